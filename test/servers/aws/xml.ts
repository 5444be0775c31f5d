// Just enough XML to write AWS Query-protocol responses; values are escaped, fragments are passed through.
import type { AwsError } from './errors';

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

export function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

/** An element whose children are XML fragments. */
export function el(name: string, ...children: (string | undefined)[]): string {
  return `<${name}>${children.filter((c) => c !== undefined).join('')}</${name}>`;
}

/** An element holding one escaped value; omitted when the value is undefined. */
export function leaf(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function members(items: string[]): string {
  return items.map((item) => el('member', item)).join('');
}

/** AWS timestamps look like 2026-11-25T13:34:41Z (no milliseconds). */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function queryResponse(action: string, namespace: string, result: string | undefined, requestId: string): string {
  const resultElement = result === undefined ? '' : el(`${action}Result`, result);
  return `<${action}Response xmlns="${namespace}">${resultElement}${el('ResponseMetadata', leaf('RequestId', requestId))}</${action}Response>\n`;
}

export function errorResponse(namespace: string, error: AwsError, requestId: string): string {
  const body = el('Error', leaf('Type', error.type), leaf('Code', error.code), leaf('Message', error.message));
  return `<ErrorResponse xmlns="${namespace}">${body}${leaf('RequestId', requestId)}</ErrorResponse>\n`;
}
