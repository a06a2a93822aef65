// Harbor: a PUSH_ARTIFACT event; the whole Authorization header is the token (Harbor's "Auth Header").
import { tokenHeader } from './_signing';
import { Delivery, DeliveryBuilder, jsonBody, USER_AGENT } from './delivery';

export const harborDelivery: DeliveryBuilder = {
  type: 'harbor',
  tokenUse: 'header',
  events: [],
  build(input): Delivery {
    const seconds = Math.floor(input.now.getTime() / 1000);
    return {
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': USER_AGENT,
        'Authorization': tokenHeader('harbor', 'Authorization', input.token ?? Buffer.alloc(0)),
      },
      body: jsonBody({
        type: 'PUSH_ARTIFACT',
        occur_at: seconds,
        operator: 'admin',
        event_data: {
          resources: [{ digest: 'sha256:bf1684a6e3676389ec861c602e97f27b03f14178e5bc3f70dce198f9f160cce9', tag: 'v1.0', resource_url: 'harbor.example.com/prj/repo1:v1.0' }],
          repository: { date_created: seconds, name: 'repo1', namespace: 'prj', repo_full_name: 'prj/repo1', repo_type: 'private' },
        },
      }),
      authentication: 'Authorization: the token',
    };
  },
};
