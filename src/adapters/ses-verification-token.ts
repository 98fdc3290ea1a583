/** The `_amazonses` TXT token from SES v1 `VerifyDomainIdentity` (idempotent: same domain, same token). */
import { VerifyDomainIdentityCommand } from '@aws-sdk/client-ses';
import { toServiceError } from './aws-errors.js';
import { sesv1ForCell } from './sesv1-client.js';

export async function verificationToken(domain: string, cell: string): Promise<string> {
  try {
    const out = await sesv1ForCell(cell).send(new VerifyDomainIdentityCommand({ Domain: domain }));
    if (!out.VerificationToken) throw new Error('SES returned no verification token');
    return out.VerificationToken;
  } catch (err) {
    throw toServiceError(err, 'Amazon SES');
  }
}
