import type { TypedDataSigner } from "../../client/forward-request";

/**
 * How an own-key organisation signs in the browser: the project's SDK (server/client/sdk.ts) asks the gateway for the
 * EIP-712 ForwardRequest (`Prefer: sign=client`), signs it with one of these and relays it through
 * `POST /v1/signed-requests`. The private key never leaves the browser. Two sources: an encrypted JSON key file
 * (decrypted in memory here) or an EIP-1193 wallet (window.ethereum) through ethers' BrowserProvider.
 */
export interface Signer extends TypedDataSigner {
  readonly address: string;
  readonly source: "key-file" | "wallet";
}

/** Decrypts a keystore file (scrypt, in the browser) and signs with it. */
export async function keyFileSigner(json: string, password: string): Promise<Signer> {
  const { Wallet } = await import("ethers");
  const wallet = await Wallet.fromEncryptedJson(json, password);
  return {
    address: wallet.address,
    source: "key-file",
    getAddress: () => wallet.getAddress(),
    signTypedData: (domain, types, value) => wallet.signTypedData(domain, types, value),
    signMessage: (message) => wallet.signMessage(message),
  };
}

/** Asks the browser wallet for an account; ethers turns signing into eth_signTypedData_v4 requests to it. */
export async function walletSigner(): Promise<Signer> {
  const provider = (window as unknown as { ethereum?: import("ethers").Eip1193Provider }).ethereum;
  if (!provider) throw new Error("NO_WALLET");
  const { BrowserProvider } = await import("ethers");
  const signer = await new BrowserProvider(provider).getSigner();
  return {
    address: await signer.getAddress(),
    source: "wallet",
    getAddress: () => signer.getAddress(),
    signTypedData: (domain, types, value) => signer.signTypedData(domain, types, value),
    signMessage: (message) => signer.signMessage(message),
  };
}
