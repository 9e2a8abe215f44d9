import { TypedDataEncoder, getAddress, verifyMessage, verifyTypedData, type TypedDataDomain, type TypedDataField } from "ethers";

/**
 * EIP-712 forward requests of the system's ERC2771Forwarder (OpenZeppelin 5), and the proofs an account gives when
 * it is added to an organisation. Pure ethers, no Node API: the CLI, the gateway and the portal (in a browser) share it.
 */

/** The Forwarder's EIP-712 domain name and version (DESIGN.md "Forwarder"). */
export const FORWARDER_NAME = "CityAssetLedger";
export const FORWARDER_VERSION = "1";

/** OpenZeppelin's `ForwardRequest` type, field for field (ERC2771Forwarder.FORWARD_REQUEST_TYPEHASH). */
export const FORWARD_REQUEST_TYPES: Record<string, TypedDataField[]> = {
  ForwardRequest: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "gas", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint48" },
    { name: "data", type: "bytes" },
  ],
};

/** The message of a forward request as JSON carries it: numbers as decimal strings. */
export interface ForwardRequestMessage {
  from: string;
  to: string;
  value: string;
  gas: string;
  nonce: string;
  /** Unix seconds after which the Forwarder refuses the request. */
  deadline: string;
  data: string;
}

export interface ForwarderDomain {
  name: string;
  version: string;
  chainId: string;
  verifyingContract: string;
}

/** What `Prefer: sign=client` answers: the typed data to sign, as `eth_signTypedData_v4` takes it. */
export interface SignableRequest {
  domain: ForwarderDomain;
  types: Record<string, TypedDataField[]>;
  primaryType: "ForwardRequest";
  message: ForwardRequestMessage;
}

export function forwarderDomain(chainId: bigint | number | string, forwarder: string): ForwarderDomain {
  return { name: FORWARDER_NAME, version: FORWARDER_VERSION, chainId: BigInt(chainId).toString(), verifyingContract: getAddress(forwarder) };
}

export function signableRequest(domain: ForwarderDomain, message: ForwardRequestMessage): SignableRequest {
  return { domain, types: FORWARD_REQUEST_TYPES, primaryType: "ForwardRequest", message };
}

const ethersDomain = (d: ForwarderDomain): TypedDataDomain => ({ ...d, chainId: BigInt(d.chainId) });

/** The EIP-712 digest the signer signs (and the key under which the gateway remembers a prepared request). */
export const forwardRequestDigest = (domain: ForwarderDomain, message: ForwardRequestMessage): string =>
  TypedDataEncoder.hash(ethersDomain(domain), FORWARD_REQUEST_TYPES, message);

/** The address that signed a forward request (ECDSA recovery; throws on a malformed signature). */
export const forwardRequestSigner = (domain: ForwarderDomain, message: ForwardRequestMessage, signature: string): string =>
  verifyTypedData(ethersDomain(domain), FORWARD_REQUEST_TYPES, message, signature);

/** Anything that signs EIP-712 typed data: an ethers Wallet or Signer, or a browser wallet wrapped by ethers. */
export interface TypedDataSigner {
  getAddress(): Promise<string>;
  signTypedData(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>): Promise<string>;
  signMessage(message: string): Promise<string>;
}

/** Signs what `Prefer: sign=client` answered; the result is the body of `POST /v1/signed-requests`. */
export async function signRequest(signer: TypedDataSigner, typed: SignableRequest): Promise<{ request: SignableRequest; signature: string }> {
  const signature = await signer.signTypedData(ethersDomain(typed.domain), FORWARD_REQUEST_TYPES, { ...typed.message });
  return { request: typed, signature };
}

// ---------------------------------------------------------------- account proofs

/** EIP-712 form of the proof that an account agrees to act for an organisation on one chain. */
export const ADD_ACCOUNT_TYPES: Record<string, TypedDataField[]> = {
  AddAccount: [
    { name: "organization", type: "string" },
    { name: "account", type: "address" },
    { name: "chainId", type: "uint256" },
    { name: "nonce", type: "bytes32" },
  ],
};

export interface AccountProof {
  organization: string;
  account: string;
  chainId: string;
  /** 32 random bytes chosen by the signer: the gateway accepts each proof once. */
  nonce: string;
}

/** The domain of account proofs: the ledger's name on one chain, no verifying contract (the gateway checks them). */
export const accountProofDomain = (chainId: bigint | string): TypedDataDomain => ({ name: FORWARDER_NAME, version: FORWARDER_VERSION, chainId: BigInt(chainId) });

/** The EIP-191 (personal_sign) text of an account proof: readable in any wallet. */
export const accountProofText = (p: AccountProof): string =>
  `City Asset Ledger: I, account ${getAddress(p.account)}, act for organisation ${p.organization} on chain ${BigInt(p.chainId).toString()}.\nNonce: ${p.nonce.toLowerCase()}`;

export type ProofScheme = "eip191" | "eip712";

/** The account that signed a proof under `scheme` (throws on a malformed signature). */
export function accountProofSigner(p: AccountProof, scheme: ProofScheme, signature: string): string {
  return scheme === "eip712"
    ? verifyTypedData(accountProofDomain(p.chainId), ADD_ACCOUNT_TYPES, { ...p, chainId: BigInt(p.chainId) }, signature)
    : verifyMessage(accountProofText(p), signature);
}

/** Signs a proof with `signer` for `organization` on `chainId` (a fresh nonce each time). */
export async function signAccountProof(
  signer: TypedDataSigner,
  organization: string,
  chainId: bigint | string,
  scheme: ProofScheme = "eip712",
): Promise<{ account: string; chainId: string; nonce: string; scheme: ProofScheme; signature: string }> {
  const account = getAddress(await signer.getAddress());
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  const nonce = "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const proof: AccountProof = { organization, account, chainId: BigInt(chainId).toString(), nonce };
  const signature =
    scheme === "eip712"
      ? await signer.signTypedData(accountProofDomain(chainId), ADD_ACCOUNT_TYPES, { ...proof, chainId: BigInt(chainId) })
      : await signer.signMessage(accountProofText(proof));
  return { account, chainId: proof.chainId, nonce, scheme, signature };
}

/** The Forwarder functions clients and the gateway use (OpenZeppelin ERC2771Forwarder, unchanged). */
export const FORWARDER_ABI = [
  "function execute((address from, address to, uint256 value, uint256 gas, uint48 deadline, bytes data, bytes signature) request) payable",
  "function verify((address from, address to, uint256 value, uint256 gas, uint48 deadline, bytes data, bytes signature) request) view returns (bool)",
  "function nonces(address owner) view returns (uint256)",
  "event ExecutedForwardRequest(address indexed signer, uint256 nonce, bool success)",
] as const;

/** The `ForwardRequestData` tuple `execute` takes: the signed message without its nonce, plus the signature. */
export const forwardRequestData = (m: ForwardRequestMessage, signature: string) => ({
  from: m.from,
  to: m.to,
  value: BigInt(m.value),
  gas: BigInt(m.gas),
  deadline: BigInt(m.deadline),
  data: m.data,
  signature,
});

/** ADD_ACCOUNT_TYPES as GET /v1/network shows it. */
export const ACCOUNT_PROOF_TYPES_DOC = ADD_ACCOUNT_TYPES;
