import type { FieldSpec } from "./write-form";
import { isoDay } from "./write-form";

/** The retirement claim's fields (retire, and retire-on-purchase): beneficiary, reason, consumption period. */
export const CLAIM_FIELDS: FieldSpec[] = [
  { name: "beneficiary", label: "retire.beneficiary", required: true },
  { name: "beneficiaryOrg", label: "retire.beneficiaryOrg" },
  { name: "reason", label: "common.reason", required: true },
  { name: "from", label: "retire.from", type: "date", required: true },
  { name: "to", label: "retire.to", type: "date", required: true },
];

export const claimOf = (v: Record<string, string>) => ({
  beneficiary: { name: v.beneficiary, ...(v.beneficiaryOrg.trim() ? { organization: v.beneficiaryOrg.trim().toUpperCase() } : {}) },
  reason: v.reason,
  consumptionPeriod: { start: isoDay(v.from), end: isoDay(v.to) },
});
