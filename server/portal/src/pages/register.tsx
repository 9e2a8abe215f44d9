import { useState } from "react";
import { DropZone, Hash } from "../components/common";
import { metadataHashOf, WriteForm } from "../components/write-form";
import { useI18n } from "../i18n";
import { sha256File } from "../lib-sha256";
import { Link } from "../router";

/** Register a dataset by dropping its file: the sha256 is computed here, the file is never uploaded. */
export default function Register() {
  const { t } = useI18n();
  const [file, setFile] = useState<{ name: string; size: number; hash: string }>();
  const [hashing, setHashing] = useState(false);
  const onFile = async (f: File) => {
    setHashing(true);
    setFile({ name: f.name, size: f.size, hash: await sha256File(f) });
    setHashing(false);
  };
  return (
    <>
      <h1>{t("register.title")}</h1>
      <p>{t("register.lead")}</p>
      <DropZone label={t("register.drop")} onFile={(f) => void onFile(f)} />
      {hashing && <p role="status">{t("register.hashing")}</p>}
      {file && (
        <>
          <p role="status" data-testid="file-hash">
            {t("register.hashed", { name: file.name })} <Hash value={file.hash} />
          </p>
          <WriteForm<{ id: string }>
            key={file.hash}
            title="register.details"
            submit="register.submit"
            fields={[
              { name: "title", label: "dataset.name", required: true, initial: file.name.replace(/\.[^.]+$/, "") },
              { name: "uri", label: "dataset.uri", required: true, initial: `https://opendata.example/${encodeURIComponent(file.name)}` },
              {
                name: "classification",
                label: "dataset.classification",
                type: "select",
                options: ["Open", "Other", "Important", "Core"].map((c) => ({ value: c, label: t(`class.${c as "Open"}`) })),
              },
              { name: "holder", label: "dataset.holder", hint: "register.holderHint" },
            ]}
            request={async (v) => ({
              path: "/v1/datasets",
              body: {
                contentHash: file.hash,
                metadataHash: await metadataHashOf(v),
                title: v.title,
                uri: v.uri,
                classification: v.classification,
                ...(v.holder.trim() ? { holder: v.holder.trim().toUpperCase() } : {}),
              },
            })}
            renderResult={(r) => <Link to={`/datasets/${r.id}`}>{t("register.open")}</Link>}
          />
        </>
      )}
    </>
  );
}
