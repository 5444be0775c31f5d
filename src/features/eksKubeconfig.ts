// "Write kubeconfig for EKS Cluster…": with the active role, pick a region and one of its EKS clusters, and write a
// kubeconfig context whose credentials come from `aws eks get-token` with no profile: in a VS Code terminal that is
// the active role through the credential endpoint, so kubectl follows every switch (core/eks/kubeconfig.ts). A role
// can be pinned instead. The EKS client and the YAML writer are loaded here, on first use, never at activation.
import * as vscode from 'vscode';
import type { Settings } from '../configuration/settings';
import type { Identity, Session } from '../core/session';
import { UserError } from '../core/userError';
import { registerCommand } from '../errors';

export interface KubeconfigDeps {
  session: Session;
  settings: () => Settings;
  log: vscode.LogOutputChannel;
}

/** Regions offered after the role's own; any other can be typed. */
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'eu-north-1', 'ap-southeast-1', 'ap-northeast-1'];
const TITLE = 'Write kubeconfig for EKS Cluster';

export function activateEksKubeconfig(context: vscode.ExtensionContext, deps: KubeconfigDeps): void {
  context.subscriptions.push(registerCommand(deps.log, 'iamSwitchboard.writeKubeconfig', TITLE, () => writeForCluster(deps)));
}

async function writeForCluster(deps: KubeconfigDeps): Promise<void> {
  const identity = deps.session.identity;
  if (!identity) {
    throw new UserError('Switch to a role first: its EKS clusters are listed with its credentials.', 'NoActiveRole');
  }
  const region = await pickRegion(identity, deps.settings().region);
  if (!region) return;
  // AWS's regional EKS endpoint, or AWS_ENDPOINT_URL_EKS, which the SDK reads itself.
  const eks = { region, timeoutMs: deps.settings().requestTimeoutMs };
  const { listClusters, describeCluster } = await import('../core/eks/clusters');
  const names = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `EKS clusters in ${region}` }, () =>
    listClusters(identity.credentials, eks),
  );
  if (names.length === 0) {
    throw new UserError(
      `${identity.label} sees no EKS clusters in ${region}: pick another region or switch to another role.`,
      'NoClusters',
    );
  }
  const name = await vscode.window.showQuickPick(names, { title: TITLE, placeHolder: `Cluster in ${region}` });
  if (!name) return;
  const pin = await pickPinning(identity);
  if (!pin) return;
  const cluster = await describeCluster(identity.credentials, name, eks);
  const { writeKubeconfig } = await import('../core/eks/kubeconfig');
  const written = await writeKubeconfig({
    cluster,
    pinnedRoleArn: pin.roleArn,
    alias: pin.roleArn ? `${identity.label}@${cluster.name}` : undefined,
  });
  deps.log.info(`kubeconfig: ${written.updated ? 'updated' : 'added'} context ${written.context} in ${written.file}.`);
  const follows = pin.roleArn ? `always assumes ${identity.label}` : 'uses the active role in IAM Switchboard terminals';
  void vscode.window.showInformationMessage(
    `${written.updated ? 'Updated' : 'Added'} context ${written.context} in ${written.file}: kubectl ${follows}.`,
  );
}

async function pickRegion(identity: Identity, setting: string): Promise<string | undefined> {
  const OTHER = 'Other region…';
  const regions = [...new Set([identity.region, setting, ...REGIONS])];
  const picked = await vscode.window.showQuickPick([...regions, OTHER], { title: TITLE, placeHolder: 'Region of the cluster' });
  if (picked !== OTHER) return picked;
  return vscode.window.showInputBox({
    title: TITLE,
    prompt: 'AWS region, such as eu-west-1',
    validateInput: (value) => (/^[a-z0-9]+(-[a-z0-9]+)+$/.test(value) ? undefined : 'An AWS region name, such as eu-west-1.'),
  });
}

/** Follow the terminal (the default), or pin the active role with --role-arn as update-kubeconfig --assume-role-arn does. */
async function pickPinning(identity: Identity): Promise<{ roleArn?: string } | undefined> {
  if (identity.origin.kind !== 'sts') return {};
  const roleArn = identity.origin.roleArn;
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'Follow the active role', description: 'kubectl is whatever role the terminal is', pin: undefined },
      {
        label: `Always ${identity.label}`,
        description: `assumed from the terminal's identity: aws eks get-token --role-arn ${roleArn}`,
        pin: roleArn,
      },
    ],
    { title: TITLE, placeHolder: 'Whose credentials kubectl uses' },
  );
  return picked && { roleArn: picked.pin };
}
