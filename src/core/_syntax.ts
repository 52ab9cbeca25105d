// Internal: the syntax rules of Kubernetes keys and values that several checks share (labels, annotations,
// selectors, env var names), written once. Not exported from the package index.

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * An IANA service name (RFC 6335 §5.1), what Kubernetes requires of a container port name (and what a Service
 * port, a probe or a ServiceMonitor endpoint refers to): at most 15 characters, lowercase letters, digits and '-',
 * at least one letter, no leading, trailing or doubled '-'.
 */
const IANA_SVC_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$/;

/** A label value: at most 63 characters, alphanumerics, `-`, `_` and `.`, starting and ending with an alphanumeric (or empty). */
export function isLabelValue(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value);
}

/** A label or annotation key: `[prefix/]name`, the prefix a DNS subdomain of at most 253, the name at most 63. */
export function isLabelKey(key: unknown): key is string {
  if (typeof key !== 'string' || key.length === 0) return false;
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

/** True when `name` is an IANA service name (a valid container or Service port name). */
export function isPortName(name: unknown): name is string {
  return typeof name === 'string' && IANA_SVC_NAME.test(name);
}
