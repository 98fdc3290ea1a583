/** A domain's DNS records: copy buttons for names and values, each record's status and, if not verified, why. */
import { Fragment } from 'preact';
import { CopyButton } from './copy.js';
import type { DnsRecord } from './types.js';
import { StatusText } from './ui.js';

function Diagnostic({ record }: { record: DnsRecord }) {
  const diagnostic = record.diagnostic;
  if (record.status === 'verified' || !diagnostic) return null;
  return (
    <tr class="diagnostic">
      <td colSpan={5}>
        <span class="label">Why not verified: </span>
        {diagnostic.reason}
        <span class="found">
          {diagnostic.found.length > 0 ? `DNS answered: ${diagnostic.found.join(', ')}` : 'DNS answered nothing.'}
        </span>
      </td>
    </tr>
  );
}

export function RecordsTable({ records }: { records: DnsRecord[] }) {
  const optional = records.filter((record) => !record.required);
  return (
    <>
      <div class="table-wrap">
        <table class="records stack">
          <caption class="visually-hidden">DNS records to publish</caption>
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
              <th scope="col">Priority</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {records.map((record) => (
              <Fragment key={`${record.type} ${record.name} ${record.value}`}>
                <tr class="record">
                  <td data-label="Type">{record.type}</td>
                  <td data-label="Name">
                    <code class="break">{record.name}</code>
                    <CopyButton value={record.name} label={`Copy name of ${record.type} record ${record.name}`} />
                  </td>
                  <td data-label="Value">
                    <code class="break">{record.value}</code>
                    <CopyButton value={record.value} label={`Copy value of ${record.type} record ${record.name}`} />
                  </td>
                  <td data-label="Priority">{record.priority ?? '—'}</td>
                  <td data-label="Status">
                    <StatusText status={record.status} />
                  </td>
                </tr>
                <Diagnostic record={record} />
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      {optional.length > 0 && (
        <p class="muted">
          Every record is required except {optional.map((record) => `${record.type} ${record.name}`).join(', ')}, which
          is recommended.
        </p>
      )}
    </>
  );
}
