/** The API's answers as the console uses them (docs/openapi.json has the full shapes). */

export type DomainStatus = 'pending' | 'verifying' | 'verified' | 'failed';
export type RecordStatus = 'not_started' | 'pending' | 'verified' | 'failed';

export interface DomainSummary {
  id: string;
  domain: string;
  status: DomainStatus;
  verified_at: string | null;
  created_at: string;
  region?: string;
  last_checked_at?: string | null;
}

export interface DnsRecord {
  type: 'TXT' | 'CNAME' | 'MX';
  name: string;
  value: string;
  priority: number | null;
  required: boolean;
  category: 'verification' | 'delivery' | 'recommended';
  purpose: string;
  status?: RecordStatus;
  diagnostic?: { found: string[]; reason: string };
}

export interface Domain extends DomainSummary {
  dns_records: DnsRecord[];
  dkim?: { type: 'easy_dkim' | 'byodkim'; key_length: number; selector: string | null };
}

export interface Page<T> {
  data: T[];
  has_more?: boolean;
  next_cursor?: string | null;
}

export const EVENT_TYPES = ['domain.created', 'domain.updated', 'domain.status_changed', 'domain.deleted'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface Webhook {
  id: string;
  url: string;
  events: EventType[];
  description: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  failing_since: string | null;
  created_at: string;
}

export interface WebhookCreated extends Webhook {
  secret: string;
}

export interface Delivery {
  id: string;
  type: string;
  created_at: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
}

/** The answer of `POST /webhooks/:id/test` and of a replay. */
export interface AttemptOutcome {
  delivered: boolean;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
}
