// Why discovery could not name the accounts, in one sentence with what to do instead. Organizations ListAccounts
// answers only the organization's management account or a delegated administrator (botocore organizations model,
// ListAccounts), so for most people a refusal says where their keys live, not what their user lacks.

export function accountNamesNote(errorName: string | undefined): string {
  switch (errorName) {
    case 'AWSOrganizationsNotInUseException':
      return 'Accounts are not named: your account is not in an AWS organization, so there are no account names to read; label accounts in iamSwitchboard.accounts instead.';
    case 'AccessDeniedException':
      return "Accounts are not named: listing them takes organizations:ListAccounts in the organization's management account or a delegated administrator, and these keys have not both; label accounts in iamSwitchboard.accounts instead.";
    default:
      return 'Accounts are not named: the organization could not be read; label accounts in iamSwitchboard.accounts instead.';
  }
}
