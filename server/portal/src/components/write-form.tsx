import { useState, type FormEvent, type ReactNode } from "react";
import { write } from "../api";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n/vi";
import { ErrorMessage, Field, TxProgress, useWrite } from "./common";

export interface WriteRequest {
  method?: "POST" | "DELETE";
  path: string;
  body?: unknown;
}

export interface FieldSpec {
  name: string;
  label: MessageKey;
  type?: "text" | "number" | "date" | "datetime-local" | "select" | "checkbox" | "textarea";
  options?: { value: string; label: string }[];
  required?: boolean;
  initial?: string;
  hint?: MessageKey;
}

/**
 * A form that performs one chain write: labelled fields, the request built from their values, the transaction's
 * progress (pending → mined) and its result or the API's error in the user's language.
 */
export function WriteForm<T>({
  title,
  fields,
  submit,
  request,
  onDone,
  renderResult,
  extra,
}: {
  title: MessageKey;
  fields: FieldSpec[];
  submit: MessageKey;
  request: (values: Record<string, string>) => WriteRequest | Promise<WriteRequest>;
  onDone?: (result: T) => void;
  renderResult?: (result: T) => ReactNode;
  extra?: (values: Record<string, string>) => ReactNode;
}) {
  const { t } = useI18n();
  const initial = Object.fromEntries(fields.map((f) => [f.name, f.initial ?? (f.type === "select" ? (f.options?.[0]?.value ?? "") : "")]));
  const [values, setValues] = useState<Record<string, string>>(initial);
  const w = useWrite<T>();
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void w.run(async (progress) => {
      const r = await request(values);
      const { result } = await write<T>(r.method ?? "POST", r.path, r.body, progress);
      onDone?.(result);
      return result;
    });
  };
  const set = (name: string, value: string) => setValues((v) => ({ ...v, [name]: value }));
  return (
    <form onSubmit={onSubmit} className="panel" aria-label={t(title)}>
      <h3>{t(title)}</h3>
      {fields.map((f) => (
        <Field key={f.name} label={t(f.label)} hint={f.hint ? t(f.hint) : undefined}>
          {(p) =>
            f.type === "select" ? (
              <select {...p} name={f.name} value={values[f.name]} onChange={(e) => set(f.name, e.target.value)}>
                {f.options!.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
              </select>
            ) : f.type === "checkbox" ? (
              <input {...p} name={f.name} type="checkbox" checked={values[f.name] === "true"} onChange={(e) => set(f.name, String(e.target.checked))} />
            ) : f.type === "textarea" ? (
              <textarea {...p} name={f.name} required={f.required} value={values[f.name]} onChange={(e) => set(f.name, e.target.value)} />
            ) : (
              <input
                {...p}
                name={f.name}
                type={f.type ?? "text"}
                min={f.type === "number" ? 0 : undefined}
                required={f.required}
                value={values[f.name]}
                onChange={(e) => set(f.name, e.target.value)}
              />
            )
          }
        </Field>
      ))}
      {extra?.(values)}
      <button type="submit" disabled={w.busy}>{t(submit)}</button>
      <TxProgress progress={w.progress} />
      <ErrorMessage error={w.error} />
      {w.result !== undefined && (
        <div role="status" className="alert ok">
          <strong>{t("tx.done")}</strong> {renderResult?.(w.result)}
        </div>
      )}
    </form>
  );
}

/** A date input (YYYY-MM-DD) as the API's ISO 8601 instant, at midnight UTC. */
export const isoDay = (day: string): string => `${day}T00:00:00Z`;
/** sha256 hex of a text, as 0x-prefixed bytes32 (terms, reports typed into a form). */
export async function sha256Text(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `0x${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The metadata document's hash: sha256 of its JSON with sorted keys (title, URI and class as registered). */
export const metadataHashOf = (m: Record<string, string>): Promise<string> =>
  sha256Text(JSON.stringify({ classification: m.classification, title: m.title, uri: m.uri }));
