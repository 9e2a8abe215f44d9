/**
 * How an own-key organisation signs in the browser: the EIP-712 ForwardRequest the gateway prepares
 * (`Prefer: sign=client`) is signed here and relayed through `POST /v1/signed-requests`. The private key never leaves
 * the browser. Two sources: an encrypted JSON key file (decrypted in memory) or an EIP-1193 wallet (window.ethereum).
 */
export interface TypedData {
  domain: Record<string, unknown>;
  types: Record<string, unknown>;
  primaryType?: string;
  message: Record<string, unknown>;
}

export interface Signer {
  readonly address: string;
  readonly source: "key-file" | "wallet";
  signTypedData(data: TypedData): Promise<string>;
}

type Types = Record<string, { name: string; type: string }[]>;
const withoutDomain = (types: Record<string, unknown>): Types => {
  const { EIP712Domain: _omit, ...rest } = types as Types;
  return rest;
};

/** Decrypts a keystore file (scrypt, in the browser) and signs with it. */
export async function keyFileSigner(json: string, password: string): Promise<Signer> {
  const { Wallet } = await import("ethers");
  const wallet = await Wallet.fromEncryptedJson(json, password);
  return {
    address: wallet.address,
    source: "key-file",
    signTypedData: (d) => wallet.signTypedData(d.domain, withoutDomain(d.types), d.message),
  };
}

interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** Asks the browser wallet for an account and signs with eth_signTypedData_v4. */
export async function walletSigner(): Promise<Signer> {
  const provider = (window as unknown as { ethereum?: Eip1193 }).ethereum;
  if (!provider) throw new Error("NO_WALLET");
  const [address] = (await provider.request({ method: "eth_requestAccounts" })) as string[];
  return {
    address,
    source: "wallet",
    signTypedData: async (d) => {
      const types = { EIP712Domain: domainType(d.domain), ...withoutDomain(d.types) };
      const primaryType = d.primaryType ?? Object.keys(withoutDomain(d.types))[0];
      const payload = JSON.stringify({ domain: d.domain, types, primaryType, message: d.message }, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
      return (await provider.request({ method: "eth_signTypedData_v4", params: [address, payload] })) as string;
    },
  };
}

function domainType(domain: Record<string, unknown>): { name: string; type: string }[] {
  const all = [
    { name: "name", type: "string" },
    { name: "version", type: "string" },
    { name: "chainId", type: "uint256" },
    { name: "verifyingContract", type: "address" },
    { name: "salt", type: "bytes32" },
  ];
  return all.filter((f) => domain[f.name] !== undefined);
}
