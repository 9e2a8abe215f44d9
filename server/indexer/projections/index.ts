import type { Projection } from "../projection";
import { batchesProjection } from "./batches";
import { carbonBalancesProjection } from "./carbon-balances";
import { datasetsProjection } from "./datasets";
import { exchangeProjection } from "./exchange";
import { licencesProjection } from "./licences";
import { marketProjection } from "./market";
import { participantsProjection } from "./participants";
import { projectsProjection } from "./projects";
import { retirementsProjection } from "./retirements";
import { settlementProjection } from "./settlement";
import { valuationsProjection } from "./valuations";

export { orgOfAccount } from "./participants";

/**
 * Every projection of the read API, in apply order. Participants come first: the indexer resolves the organisation of
 * each account an event names from their table, as it stood when the event happened.
 */
export const PROJECTIONS: readonly Projection[] = [
  participantsProjection,
  datasetsProjection,
  licencesProjection,
  valuationsProjection,
  projectsProjection,
  batchesProjection,
  carbonBalancesProjection,
  retirementsProjection,
  settlementProjection,
  marketProjection,
  exchangeProjection,
];
