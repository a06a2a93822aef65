# A consumer's cdk8s app in Python, against the installed wheel: the bundled server with one
# exposure, and Receiver objects for Flux's own notification-controller, in one chart.
import sys

import cdk8s
import cdk8s_plus_28 as kplus
import cdk8s_flux_webhooks as fw

app = cdk8s.App(outdir=sys.argv[1])
chart = cdk8s.Chart(app, "consumer", namespace="webhooks")
repo = fw.GitRepository(
    chart, "Webapp",
    metadata=cdk8s.ApiObjectMetadata(name="webapp"),
    url="https://github.com/org/webapp",
    ref=fw.GitRef.branch("main"),
)
token = kplus.Secret.from_secret_name(chart, "Token", "webhook-token")

receiver = fw.WebhookReceiver(chart, "Receiver")
receiver.add_receiver(
    "bundled",
    provider=fw.ReceiverProvider.github(events=["ping", "push"]),
    secret=token,
    targets=[fw.ReconcileTarget.from_api_object(repo)],
    # Compiled at synth time by the bundled CEL library (ESM, loaded by the jsii kernel).
    resource_filter="sets.contains(['refs/heads/main'], [req.ref])",
)
try:
    receiver.add_receiver(
        "bad-filter",
        provider=fw.ReceiverProvider.github(events=["push"]),
        secret=token,
        targets=[fw.ReconcileTarget.from_api_object(repo)],
        resource_filter="req.ref",
    )
    sys.exit("consumer: a resourceFilter returning no bool was accepted")
except Exception as err:  # jsii raises the JavaScript Error as a RuntimeError
    if "does not compile: CEL expression output type mismatch: expected bool, got dyn" not in str(err):
        raise
fw.ExposeViaLoadBalancer(chart, "Public", receiver=receiver)

flux = fw.FluxReceivers(chart, "Flux")
flux.add_receiver(
    "flux-native",
    provider=fw.ReceiverProvider.gitlab(events=["Push Hook"]),
    secret=token,
    targets=[fw.ReconcileTarget.from_api_object(repo)],
)
app.synth()
