import { expect } from "chai";
import type { Response, Test } from "supertest";

/** Awaits a request and checks it failed with `status` and `code`, in the one error shape. */
export async function expectError(req: Test | Promise<Response>, status: number, code: string): Promise<Response> {
  const res = await req;
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.body).to.have.property("error");
  expect(res.body.error.code, JSON.stringify(res.body)).to.equal(code);
  expect(res.body.error.message).to.be.a("string").and.not.equal("");
  return res;
}
