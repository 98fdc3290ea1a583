/**
 * Names that are infrastructure, not customers' sending domains: AWS's own (the endpoints SES and
 * API Gateway answer on, the consoles, the CDNs) and whatever the operator adds (RESERVED_DOMAINS,
 * e.g. the platform's own domains). A name is refused when it is one of them or below one.
 */
export const AWS_RESERVED_DOMAINS: readonly string[] = [
  'amazon',
  'aws',
  'amazon.com',
  'amazonaws.com',
  'amazonaws.com.cn',
  'amazonses.com',
  'amazontrust.com',
  'awsapps.com',
  'awsstatic.com',
  'aws.dev',
  'on.aws',
  'cloudfront.net',
  'elasticbeanstalk.com',
  'awsglobalaccelerator.com',
  'amazoncognito.com',
  'a2z.com',
];

/** The reserved entry `domain` is (or is below), or null. `domain` is normalised (lower-case ASCII). */
export function reservedBy(domain: string, extra: readonly string[] = []): string | null {
  for (const entry of [...AWS_RESERVED_DOMAINS, ...extra]) {
    if (domain === entry || domain.endsWith(`.${entry}`)) return entry;
  }
  return null;
}
