/**
 * Enums of the token contracts, in declaration order (index = on-chain value), shared by the audit tool and the
 * gateway's index. Participant kinds and statuses are in roles.ts.
 */
export const DATA_CLASSIFICATIONS = ["Open", "Other", "Important", "Core"] as const;
export type DataClassificationName = (typeof DATA_CLASSIFICATIONS)[number];

export const DATA_STATUSES = ["Active", "Deprecated", "Revoked"] as const;
export type DataStatusName = (typeof DATA_STATUSES)[number];

/** Paris Agreement Art. 6 corresponding-adjustment status of a carbon batch. */
export const ADJUSTMENT_STATUSES = ["Unspecified", "NotRequired", "Pending", "Applied"] as const;
export type AdjustmentStatusName = (typeof ADJUSTMENT_STATUSES)[number];
