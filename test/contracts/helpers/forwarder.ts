import { ethers } from "hardhat";
import type { BaseContract, ContractTransactionResponse, Signer } from "ethers";
import type { CityForwarder } from "../../../typechain-types";

/** The EIP-712 type of OpenZeppelin's ERC2771Forwarder. */
export const FORWARD_REQUEST_TYPES = {
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

export interface RequestOptions {
  /** Defaults to the forwarder's current nonce of the signer. */
  nonce?: bigint;
  /** Defaults to an hour after the latest block. */
  deadline?: bigint;
  gas?: bigint;
}

/** A signed ForwardRequestData ready for `forwarder.execute`. */
export type SignedRequest = Parameters<CityForwarder["execute"]>[0] & { from: string; to: string; data: string; deadline: bigint };

/** Signs a request that calls `target` with `data` on behalf of `signer` (EIP-712 domain `CityAssetLedger`, `1`). */
export async function signRequest(
  forwarder: CityForwarder,
  signer: Signer,
  target: string | BaseContract,
  data: string,
  options: RequestOptions = {},
): Promise<SignedRequest> {
  const from = await signer.getAddress();
  const to = typeof target === "string" ? target : await target.getAddress();
  const latest = (await ethers.provider.getBlock("latest"))!.timestamp;
  const message = {
    from,
    to,
    value: 0n,
    gas: options.gas ?? 1_000_000n,
    nonce: options.nonce ?? (await forwarder.nonces(from)),
    deadline: options.deadline ?? BigInt(latest + 3600),
    data,
  };
  const { chainId } = await ethers.provider.getNetwork();
  const domain = { name: "CityAssetLedger", version: "1", chainId, verifyingContract: await forwarder.getAddress() };
  const signature = await signer.signTypedData(domain, FORWARD_REQUEST_TYPES, message);
  return { from, to, value: 0n, gas: message.gas, deadline: message.deadline, data, signature };
}

/**
 * Calls `contract.fn(...args)` as `signer` through the forwarder, sent by `relayer` (who pays nothing on a zero-fee
 * chain and gains no power: the target sees the signer).
 */
export async function relay(
  forwarder: CityForwarder,
  relayer: Signer,
  signer: Signer,
  contract: BaseContract,
  fn: string,
  args: unknown[],
  options: RequestOptions = {},
): Promise<ContractTransactionResponse> {
  const data = contract.interface.encodeFunctionData(fn, args);
  const request = await signRequest(forwarder, signer, contract, data, options);
  return forwarder.connect(relayer).execute(request);
}

/**
 * What the target answers to a relayed request, as the gateway's simulation sees it: the forwarder reverts with a
 * bare `FailedCall` when the target refuses, so tests read the target's own error by calling it as the forwarder
 * would (request data followed by the signer's address).
 */
export async function simulateRelayed(forwarder: CityForwarder, request: SignedRequest): Promise<void> {
  await ethers.provider.call({
    from: await forwarder.getAddress(),
    to: request.to,
    data: ethers.concat([request.data, request.from]),
  });
}
