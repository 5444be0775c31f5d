// The IAM client, the `iam` part of dist/awsSdk.js (./awsSdk), loaded with `await import('./sdkIam')` only when a
// person discovers roles: switching roles never calls it. Organizations names the accounts found.
export {
  IAMClient,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetGroupPolicyCommand,
  GetUserPolicyCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
} from '@aws-sdk/client-iam';
export { OrganizationsClient, ListAccountsCommand } from '@aws-sdk/client-organizations';
