// Azure DevOps service hook (the azure-devops extension type): a git.push event, the token as the
// basic authentication password, as the "Web Hooks" consumer sends it.
import { tokenHeader } from './_signing';
import { Delivery, DeliveryBuilder, jsonBody, USER_AGENT } from './delivery';

export const azureDevOpsDelivery: DeliveryBuilder = {
  type: 'azure-devops',
  tokenUse: 'header',
  events: [],
  build(input): Delivery {
    const password = tokenHeader('azure-devops', 'basic authentication password', input.token ?? Buffer.alloc(0));
    const repository = { id: '278d5cd2-584d-4b63-824a-2ba458937249', name: 'webapp', url: 'https://dev.azure.com/org/_apis/git/repositories/278d5cd2-584d-4b63-824a-2ba458937249', remoteUrl: 'https://dev.azure.com/org/project/_git/webapp' };
    return {
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'User-Agent': USER_AGENT,
        'Authorization': `Basic ${Buffer.from(`flux:${password}`, 'utf8').toString('base64')}`,
      },
      body: jsonBody({
        subscriptionId: '00000000-0000-0000-0000-000000000000',
        notificationId: 1,
        id: input.deliveryId,
        eventType: 'git.push',
        publisherId: 'tfs',
        message: { text: `Test delivery from flux-webhook-receiver send pushed to ${input.branch}` },
        resource: {
          refUpdates: [{ name: `refs/heads/${input.branch}`, oldObjectId: 'aad331d8d3b131fa9ae03cf5e53965b51942618a', newObjectId: '33b55f7cb7e7e245323987634f960cf4a6e6bc74' }],
          repository,
          pushId: 14,
          date: input.now.toISOString(),
        },
        createdDate: input.now.toISOString(),
      }),
      authentication: 'Authorization: Basic, the token as password',
    };
  },
};
