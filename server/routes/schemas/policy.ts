import { z } from "../../http/zod";

/**
 * Licence terms as a small subset of W3C ODRL 2.2 (https://www.w3.org/TR/odrl-model/) in JSON: an Offer whose
 * permissions name the actions allowed (use, reproduce, distribute, …), constrained by purpose, time or recipients,
 * with duties (attribution, …) and optional prohibitions. The sha256 of its canonical JSON (keys sorted at every
 * level) is the terms hash on chain.
 */
export const ODRL_ACTIONS = [
  "use",
  "read",
  "display",
  "reproduce",
  "distribute",
  "modify",
  "derive",
  "aggregate",
  "anonymize",
  "archive",
  "commercialize",
  "transfer",
] as const;
export const ODRL_DUTIES = ["attribute", "inform", "delete", "anonymize", "compensate", "obtainConsent"] as const;
export const ODRL_OPERANDS = ["purpose", "dateTime", "recipient", "spatial", "count", "elapsedTime"] as const;
export const ODRL_OPERATORS = ["eq", "neq", "lt", "lteq", "gt", "gteq", "isA", "isAnyOf", "isNoneOf", "isPartOf"] as const;

const Text = z.string().trim().min(1).max(500);

const Constraint = z
  .strictObject({
    leftOperand: z.enum(ODRL_OPERANDS),
    operator: z.enum(ODRL_OPERATORS),
    rightOperand: z.union([Text, z.number().finite(), z.array(Text).min(1).max(50)]),
    unit: Text.optional(),
  })
  .superRefine((c, ctx) => {
    // A time constraint must name a real instant, or no one could tell whether it holds.
    if (c.leftOperand === "dateTime" && (typeof c.rightOperand !== "string" || Number.isNaN(Date.parse(c.rightOperand)))) {
      ctx.addIssue({ code: "custom", path: ["rightOperand"], message: "a dateTime constraint needs an ISO 8601 date or date-time" });
    }
    if (c.leftOperand === "count" && (typeof c.rightOperand !== "number" || !Number.isInteger(c.rightOperand) || c.rightOperand < 0)) {
      ctx.addIssue({ code: "custom", path: ["rightOperand"], message: "a count constraint needs a whole number" });
    }
  })
  .openapi("OdrlConstraint");

const Duty = z
  .strictObject({
    action: z.enum(ODRL_DUTIES),
    constraint: z.array(Constraint).max(20).optional(),
    attributedParty: Text.optional().openapi({ description: "Whom to attribute (for `attribute`)" }),
  })
  .openapi("OdrlDuty");

const Rule = z
  .strictObject({
    action: z.enum(ODRL_ACTIONS),
    constraint: z.array(Constraint).max(20).optional(),
    duty: z.array(Duty).max(20).optional(),
  })
  .openapi("OdrlRule");

export const OdrlPolicy = z
  .strictObject({
    "@context": z.literal("http://www.w3.org/ns/odrl.jsonld"),
    "@type": z.literal("Offer"),
    uid: Text.optional().openapi({ description: "The policy's own identifier (a URI), if it has one" }),
    profile: Text.optional(),
    permission: z.array(Rule).min(1).max(50),
    prohibition: z.array(Rule.omit({ duty: true })).max(50).optional(),
  })
  .openapi("OdrlPolicy", {
    description:
      "Licence terms: a subset of W3C ODRL 2.2 in JSON. The sha256 of its canonical JSON (object keys sorted at every level, " +
      "no whitespace) is the terms hash on chain.",
    example: {
      "@context": "http://www.w3.org/ns/odrl.jsonld",
      "@type": "Offer",
      permission: [
        {
          action: "use",
          constraint: [{ leftOperand: "purpose", operator: "isAnyOf", rightOperand: ["research", "urban-planning"] }],
          duty: [{ action: "attribute", attributedParty: "Da Nang Department of Transport" }],
        },
      ],
      prohibition: [{ action: "distribute" }],
    },
  });

export type OdrlPolicyDocument = z.infer<typeof OdrlPolicy>;

export const VerifyPolicyBody = z
  .strictObject({
    policy: z.unknown().openapi({ description: "The document to check (any JSON; it is also validated as an ODRL policy)" }),
    termsHash: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits")
      .transform((v) => v.toLowerCase())
      .openapi({ description: "The terms hash to check it against (e.g. an offer's, or a licence's on chain)" }),
  })
  .openapi("VerifyPolicy");

export const PolicyVerification = z
  .object({
    matches: z.boolean(),
    termsHash: z.string().openapi({ description: "The hash given" }),
    computedHash: z.string().openapi({ description: "sha256 of the document's canonical JSON" }),
    valid: z.boolean().openapi({ description: "Whether the document is a policy this gateway accepts" }),
    issues: z.array(z.object({ path: z.string(), message: z.string() })),
    offers: z.array(z.string()).openapi({ description: "Offers on chain with this terms hash" }),
  })
  .openapi("PolicyVerification");
