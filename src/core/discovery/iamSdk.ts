// The IAM client, bundled as dist/aws/iamSdk.mjs and loaded with `await import('./iamSdk')` only when a person
// discovers roles, or reads or rotates an access key (../keys/): switching roles never needs it. Organizations names
// the accounts found.
export {
  IAMClient,
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  ListAccessKeysCommand,
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
