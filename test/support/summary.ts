/** What one fault-suite file tried and what reached Slack: its row of the summary table. */
export interface FaultTotals {
  cases: number;
  faults: number;
  delivered: number;
  lost: number;
  duplicated: number;
}

export function faultTotals(): FaultTotals {
  return { cases: 0, faults: 0, delivered: 0, lost: 0, duplicated: 0 };
}

/** The row, in the same shape every fault file prints. */
export function summaryRow(file: string, t: FaultTotals): string {
  const cols = ['cases tried', 'faults survived', 'messages delivered', 'lost', 'duplicated'];
  const values = [t.cases, t.faults, t.delivered, t.lost, t.duplicated];
  const header = ['file'.padEnd(16), ...cols].join(' | ');
  const row = [file.padEnd(16), ...values.map((v, i) => String(v).padStart(cols[i]!.length))].join(' | ');
  return `\n${header}\n${row}\n`;
}
