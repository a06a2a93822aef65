# Flux's "Setup Webhook Receivers" guide in Python, against the installed wheel, for both
# backends (examples/_guide.ts is the TypeScript original): three exposures, the GitRepository
# webapp with the github receiver, and the GHCR receiver for an ImageRepository and an
# OCIRepository. Usage: guide.py <outdir> webhook-receiver|flux-receivers
import sys

import cdk8s
import cdk8s_plus_28 as kplus
import cdk8s_flux_webhooks as fw

outdir, backend = sys.argv[1], sys.argv[2]
app = cdk8s.App(outdir=outdir)
chart = cdk8s.Chart(app, "webhooks", namespace="flux-system")
hourly = cdk8s.Duration.hours(1)

webapp = fw.GitRepository(
    chart, "Webapp", metadata=cdk8s.ApiObjectMetadata(name="webapp"),
    url="https://github.com/org/webapp", ref=fw.GitRef.branch("master"), interval=hourly,
)
images = fw.ImageRepository(
    chart, "WebappImages", metadata=cdk8s.ApiObjectMetadata(name="webapp"),
    image="ghcr.io/org/webapp", interval=hourly,
)
manifests = fw.OciRepository(
    chart, "WebappManifests", metadata=cdk8s.ApiObjectMetadata(name="webapp-manifests"),
    url="oci://ghcr.io/org/webapp-manifests", ref=fw.OciRef.tag("latest"), interval=hourly,
)

receiver = fw.WebhookReceiver(chart, "Receiver") if backend == "webhook-receiver" else fw.FluxReceivers(chart, "Receiver")
token = kplus.Secret.from_secret_name(chart, "Token", "webhook-token")
receiver.add_receiver(
    "github-receiver", provider=fw.ReceiverProvider.github(events=["ping", "push"]),
    secret=token, targets=[fw.ReconcileTarget.from_api_object(webapp)],
)
receiver.add_receiver(
    "ghcr-receiver", provider=fw.ReceiverProvider.github(events=["ping", "package"]),
    secret=token, targets=[fw.ReconcileTarget.from_api_object(images), fw.ReconcileTarget.from_api_object(manifests)],
)

fw.ExposeViaLoadBalancer(
    chart, "LoadBalancer", receiver=receiver, metadata=cdk8s.ApiObjectMetadata(name="receiver"),
    external_traffic_policy=fw.ExternalTrafficPolicy.LOCAL,
    load_balancer_source_ranges=["192.30.252.0/22", "185.199.108.0/22", "140.82.112.0/20", "143.55.64.0/20"],
    network_policy_name="allow-webhook-load-balancer",
)
fw.ExposeViaIngress(
    chart, "Ingress", receiver=receiver, metadata=cdk8s.ApiObjectMetadata(name="webhook-receiver"),
    host="flux-webhook.example.com", ingress_class_name="nginx",
    tls=fw.IngressTls.cert_manager_cluster_issuer("letsencrypt"),
)
fw.CertManagerSolverPolicy(
    chart, "AcmeSolver", receiver=receiver, metadata=cdk8s.ApiObjectMetadata(name="allow-acme-solver"),
    cert_manager=[fw.SolverTrafficSource.namespace("cert-manager")],
    ingress_controllers=[fw.SolverTrafficSource.namespace("ingress-nginx")],
)
fw.ExposeViaHttpRoute(
    chart, "Route", receiver=receiver, metadata=cdk8s.ApiObjectMetadata(name="flux-webhook"),
    namespace="gateway-system",
    parent_refs=[fw.GatewayParentRef(name="public", section_name="https")],
    hostnames=["flux-webhook.example.com"],
)
app.synth()
