export * from "./page";
export * from "./common";
export * from "./history";
export * from "./datasets";
export * from "./licences";
export * from "./valuations";
export * from "./carbon";
export * from "./market";
