// The IAM client, bundled as dist/aws/iamSdk.mjs and loaded with `await import('./iamSdk')` only when a person
// discovers roles: switching roles never needs it. Organizations names the accounts found.
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
