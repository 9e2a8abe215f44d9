import { ZeroAddress, ZeroHash, decodeBytes32String } from "ethers";
import type { ParticipantRegistry } from "../../typechain-types";
import type { OrganizationsRepository } from "../db/repositories/organizations";

/** An account as the API shows it: the address and, when known, the organisation it acts for. */
export interface AccountRef {
  address: string;
  organization: string | null;
}

/** Names accounts by organisation: the gateway's own records first, the chain's ParticipantRegistry otherwise. */
export class OrgDirectory {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly registry: ParticipantRegistry,
  ) {}

  async ref(address: string): Promise<AccountRef | null> {
    if (address === ZeroAddress) return null;
    const known = this.organizations.byAddress(address);
    if (known) return { address, organization: known.code };
    const orgId = await this.registry.orgOf(address);
    return { address, organization: orgId === ZeroHash ? null : this.codeOf(orgId) };
  }

  /** The code of an on-chain organisation id (codes are the bytes32 of the code, so they decode). */
  codeOf(orgId: string): string {
    const known = this.organizations.byOrgId(orgId);
    if (known) return known.code;
    try {
      return decodeBytes32String(orgId);
    } catch {
      return orgId;
    }
  }
}
