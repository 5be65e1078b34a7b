import type { IdentCheck, IdentProblem } from "./bindings";
import { t, type MessageKey } from "./i18n";

/** The result of an identifier check as one line in the UI's language. */
export function describeIdentCheck(check: IdentCheck): string {
  if (check.valid && check.kind) {
    const kind = t(`ident.kind.${check.kind}` as MessageKey);
    let text: string;
    switch (check.variant) {
      case "tenor_synthetic":
        text = t("ident.valid", { kind: t("ident.variant.tenor", { kind }) });
        break;
      case "help_or_nav_synthetic":
        text = t("ident.valid", { kind: t("ident.variant.hOrNav", { kind }) });
        break;
      default:
        text = t("ident.valid", { kind });
    }
    return check.rule === "from_2032" ? `${text} ${t("ident.rule2032")}` : text;
  }
  return describeProblem(check.problem);
}

/** Why an identifier is invalid, as one line in the UI's language ("Ugyldig: …"). */
export function describeProblem(problem: IdentProblem | null): string {
  const key = problem ? (`ident.problem.${problem.code}` as MessageKey) : "ident.problem.unknown";
  const reason = t(key, {
    position: problem?.position ?? "",
    found: problem?.found_length ?? "",
  });
  return t("ident.invalid", { reason: reason === key ? t("ident.problem.unknown") : reason });
}
