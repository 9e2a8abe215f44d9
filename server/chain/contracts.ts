import type { Provider } from "ethers";
import {
  AuditAnchor__factory,
  CityAccessManager__factory,
  ParticipantRegistry__factory,
  type AuditAnchor,
  type CityAccessManager,
  type ParticipantRegistry,
} from "../../typechain-types";
import type { DeploymentRecord } from "../../scripts/lib/deployment";

/** Read-only contract instances of the deployment (writes are encoded and go through the pipeline). */
export interface ChainContracts {
  record: DeploymentRecord;
  accessManager: CityAccessManager;
  participants: ParticipantRegistry;
  auditAnchor: AuditAnchor;
}

export function connectContracts(record: DeploymentRecord, provider: Provider): ChainContracts {
  return {
    record,
    accessManager: CityAccessManager__factory.connect(record.contracts.CityAccessManager, provider),
    participants: ParticipantRegistry__factory.connect(record.contracts.ParticipantRegistry, provider),
    auditAnchor: AuditAnchor__factory.connect(record.contracts.AuditAnchor, provider),
  };
}
