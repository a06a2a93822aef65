export * from './sender';
export { githubSender, GITHUB_API, type SenderOptions } from './github';
export { gitlabSender, GITLAB_API } from './gitlab';
export { giteaSender } from './gitea';
export { bitbucketSender, BITBUCKET_API } from './bitbucket';
export { redactHookPaths } from './_http';
