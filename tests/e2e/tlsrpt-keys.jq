# True when a report has exactly the shape of RFC 8460 section 4.4: the
# required keys, no key the RFC does not name, and the types it gives.
def only($keys): (keys - $keys) == [];
def has_all($keys): ($keys - keys) == [];
def is_time: type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$");
def result_types: ["starttls-not-supported", "certificate-host-mismatch",
  "certificate-expired", "certificate-not-trusted", "validation-failure",
  "tlsa-invalid", "dnssec-invalid", "dane-required", "sts-policy-fetch-error",
  "sts-policy-invalid", "sts-webpki-invalid"];

only(["organization-name", "date-range", "contact-info", "report-id", "policies"])
and has_all(["organization-name", "date-range", "contact-info", "report-id", "policies"])
and (."organization-name" | type == "string")
and (."contact-info" | type == "string")
and (."report-id" | type == "string")
and (."date-range" | only(["start-datetime", "end-datetime"])
     and (."start-datetime" | is_time) and (."end-datetime" | is_time))
and (.policies | type == "array" and length > 0 and all(
  only(["policy", "summary", "failure-details"])
  and (.policy | only(["policy-type", "policy-string", "policy-domain", "mx-host"])
       and (."policy-type" | IN("tlsa", "sts", "no-policy-found"))
       and (."policy-domain" | type == "string"))
  and (.summary | only(["total-successful-session-count", "total-failure-session-count"])
       and has_all(["total-successful-session-count", "total-failure-session-count"])
       and (.[] | type == "number"))
  and ((."failure-details" // []) | all(
       only(["result-type", "sending-mta-ip", "receiving-mx-hostname",
             "receiving-mx-helo", "receiving-ip", "failed-session-count",
             "additional-information", "failure-reason-code"])
       and (."result-type" | IN(result_types[]))
       and (."failed-session-count" | type == "number"))))
)
