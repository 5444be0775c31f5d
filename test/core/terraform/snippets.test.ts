import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { choicesOf, expandSnippet, parseSnippet, SnippetSyntaxError, tabStopOrder } from '../../support/snippetSyntax';

// HashiCorp's HCL parser compiled to wasm. Required (not imported) so its DOM type reference stays out of the program.
const { parse: parseHcl } = require('@cdktf/hcl2json') as { parse(file: string, hcl: string): Promise<Hcl> };
type Hcl = Record<string, any>; // parsed HCL is untyped JSON, read by shape in each test

interface Snippet {
  prefix: string;
  description: string;
  body: string[];
}
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const snippets = JSON.parse(fs.readFileSync(path.join(ROOT, 'snippets', 'terraform.json'), 'utf8')) as Record<string, Snippet>;
const byPrefix = new Map(Object.values(snippets).map((s) => [s.prefix, s]));
const parseTimes: number[] = [];

async function parsed(prefix: string): Promise<Hcl> {
  const snippet = byPrefix.get(prefix);
  assert.ok(snippet, `no snippet with prefix ${prefix}`);
  const started = performance.now();
  const hcl = await parseHcl(`${prefix}.tf`, expandSnippet(snippet.body));
  parseTimes.push(performance.now() - started);
  return hcl;
}

function only(blocks: Hcl[] | undefined): Hcl {
  assert.equal(blocks?.length, 1);
  return blocks[0];
}

test('expansion resolves placeholders, choices, mirrors, nesting and escapes', () => {
  const body = ['a = "${1:first}" b = "$1" c = "${2|x,y|}" d = "${3:outer ${4:inner}}" e = "$4"', 'f = "\\${var.x}" g = "\\\\" $0'];
  assert.equal(expandSnippet(body), 'a = "first" b = "first" c = "x" d = "outer inner" e = "inner"\nf = "${var.x}" g = "\\" ');
  assert.equal(
    expandSnippet('${1|a,b\\,c|}', (_i, options) => options[1]),
    'b,c',
  );
  assert.equal(expandSnippet('$1 then ${1:late}'), 'late then late', 'a mirror before its placeholder still copies it');
  assert.equal(expandSnippet('${TM_FILENAME_BASE:main} $UNKNOWN'), 'main UNKNOWN');
});

test('expansion rejects an unescaped Terraform interpolation and unclosed placeholders', () => {
  assert.throws(() => expandSnippet('x = "${var.name}"'), SnippetSyntaxError);
  assert.throws(() => expandSnippet('x = "${1:open"'), /not closed/);
  assert.throws(() => expandSnippet('x = ${1|a,b}'), /choice is not closed/);
  assert.throws(() => expandSnippet('x = $ 1'), /line 1, column 5/);
});

test('every snippet has a tf- prefix, a description and tab stops numbered in the order they appear', () => {
  assert.ok(byPrefix.size >= 12);
  for (const snippet of byPrefix.values()) {
    assert.match(snippet.prefix, /^tf-(iam|aws|ec2|vault-aws)-[a-z-]+$/);
    assert.ok(snippet.description.length > 40, `${snippet.prefix} needs a description that says what it makes`);
    const order = tabStopOrder(snippet.body);
    assert.deepEqual(
      order,
      order.map((_n, i) => i + 1),
      `${snippet.prefix} tab stops: ${order.join(',')}`,
    );
    assert.ok(snippet.body.join('\n').includes('$0'), `${snippet.prefix} ends with $0`);
    assert.doesNotThrow(() => parseSnippet(snippet.body));
  }
});

test('every snippet, with every option of every choice, parses as HCL', async () => {
  for (const snippet of byPrefix.values()) {
    for (const [index, options] of choicesOf(snippet.body)) {
      for (const option of options) {
        const text = expandSnippet(snippet.body, (i, all) => (i === index ? option : all[0]));
        await assert.doesNotReject(parseHcl('choice.tf', text), `${snippet.prefix} with ${option}`);
      }
    }
  }
});

test('cross-account role snippets trust the central account, with MFA or external ID conditions', async () => {
  for (const [prefix, condition] of [
    ['tf-iam-cross-account-role', undefined],
    ['tf-iam-cross-account-role-mfa', { test: 'Bool', variable: 'aws:MultiFactorAuthPresent', values: ['true'] }],
    ['tf-iam-cross-account-role-external-id', { test: 'StringEquals', variable: 'sts:ExternalId', values: ['external-id'] }],
  ] as const) {
    const hcl = await parsed(prefix);
    const statement = only(only(hcl.data.aws_iam_policy_document.dev_cross_account_trust).statement);
    assert.deepEqual(statement.actions, ['sts:AssumeRole']);
    assert.deepEqual(only(statement.principals), { type: 'AWS', identifiers: ['arn:aws:iam::123456789012:root'] });
    assert.deepEqual(statement.condition, condition && [condition], prefix);
    const role = only(hcl.resource.aws_iam_role.dev_cross_account);
    assert.equal(role.assume_role_policy, '${data.aws_iam_policy_document.dev_cross_account_trust.json}');
    assert.equal(role.name, 'CrossAccountReadOnly');
  }
});

test('role policy, managed attachment and role ARN output snippets', async () => {
  const inline = await parsed('tf-iam-role-policy');
  assert.equal(only(inline.resource.aws_iam_role_policy.list_buckets).role, '${aws_iam_role.dev_cross_account.id}');
  const statement = only(only(inline.data.aws_iam_policy_document.list_buckets).statement);
  assert.deepEqual(statement.actions, ['s3:ListAllMyBuckets']);

  const attachment = only((await parsed('tf-iam-role-policy-attachment')).resource.aws_iam_role_policy_attachment.read_only);
  assert.equal(attachment.policy_arn, 'arn:aws:iam::aws:policy/ReadOnlyAccess');
  const policies = choicesOf(byPrefix.get('tf-iam-role-policy-attachment')!.body).get(3);
  assert.ok(policies?.includes('job-function/ViewOnlyAccess'), 'ViewOnlyAccess lives under job-function/');

  const output = only((await parsed('tf-iam-output-role-arn')).output.role_arn);
  assert.equal(output.value, '${aws_iam_role.dev_cross_account.arn}');
});

test('aws provider snippet assumes a role in another account', async () => {
  const provider = only((await parsed('tf-aws-provider-assume-role')).provider.aws);
  assert.equal(provider.alias, 'dev');
  assert.equal(provider.region, 'us-east-1');
  const assumeRole = only(provider.assume_role);
  assert.equal(assumeRole.role_arn, 'arn:aws:iam::222222222222:role/OrganizationAccountAccessRole');
  assert.equal(assumeRole.session_name, 'terraform');
});

test('EC2 snippet wires an ec2-trusted role through an instance profile into a t3.micro Ubuntu instance', async () => {
  const hcl = await parsed('tf-ec2-instance-with-role');
  const statement = only(only(hcl.data.aws_iam_policy_document.web_ec2_trust).statement);
  assert.deepEqual(only(statement.principals), { type: 'Service', identifiers: ['ec2.amazonaws.com'] });
  assert.equal(only(hcl.resource.aws_iam_role.web).assume_role_policy, '${data.aws_iam_policy_document.web_ec2_trust.json}');
  assert.equal(only(hcl.resource.aws_iam_instance_profile.web).role, '${aws_iam_role.web.name}');
  const instance = only(hcl.resource.aws_instance.web);
  assert.equal(instance.instance_type, 't3.micro');
  assert.equal(instance.iam_instance_profile, '${aws_iam_instance_profile.web.name}');
  assert.equal(instance.ami, '${data.aws_ami.ubuntu.id}');
  assert.deepEqual(only(hcl.data.aws_ami.ubuntu).owners, ['099720109477']);

  const ami = only((await parsed('tf-ec2-ubuntu-ami')).data.aws_ami.ubuntu);
  assert.equal(ami.most_recent, true);
  assert.deepEqual(ami.owners, ['099720109477']);
  const nameFilter = ami.filter.find((f: Hcl) => f.name === 'name');
  assert.match(nameFilter.values[0], /^ubuntu\/images\/hvm-ssd(-gp3)?\/ubuntu-noble-24\.04-amd64-server-\*$/);
});

test('Vault snippets mount the AWS engine with a 30-minute lease and define iam_user and assumed_role roles', async () => {
  const backendHcl = await parsed('tf-vault-aws-secret-backend');
  const backend = only(backendHcl.resource.vault_aws_secret_backend.aws);
  assert.equal(backend.default_lease_ttl_seconds, 1800);
  assert.equal(backend.access_key, '${var.vault_aws_access_key}', 'keys come from variables, never literals');
  assert.equal(only(backendHcl.variable.vault_aws_secret_key).sensitive, true);

  const iamUser = only((await parsed('tf-vault-aws-role-iam-user')).resource.vault_aws_secret_backend_role.s3_full_access);
  assert.equal(iamUser.credential_type, 'iam_user');
  assert.deepEqual(iamUser.policy_arns, ['arn:aws:iam::aws:policy/AmazonS3FullAccess']);
  assert.equal(iamUser.backend, '${vault_aws_secret_backend.aws.path}');

  const assumed = only((await parsed('tf-vault-aws-role-assumed-role')).resource.vault_aws_secret_backend_role.dev_read_only);
  assert.equal(assumed.credential_type, 'assumed_role');
  assert.deepEqual(assumed.role_arns, ['arn:aws:iam::222222222222:role/CrossAccountReadOnly']);
});

test('expanded snippets are already in terraform fmt style', { skip: !hasTerraform() && 'terraform is not on PATH' }, () => {
  for (const snippet of byPrefix.values()) {
    const text = expandSnippet(snippet.body);
    const formatted = execFileSync('terraform', ['fmt', '-no-color', '-'], {
      input: text,
      encoding: 'utf8',
      env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' },
    });
    assert.equal(formatted, text, `${snippet.prefix} is not fmt-clean`);
  }
});

test('hcl2json parse time', (t) => {
  assert.ok(parseTimes.length > 0);
  const sorted = [...parseTimes].sort((a, b) => a - b);
  t.diagnostic(
    `hcl2json: ${parseTimes.length} parses, first ${parseTimes[0].toFixed(1)} ms, median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms`,
  );
});

function hasTerraform(): boolean {
  try {
    execFileSync('terraform', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
