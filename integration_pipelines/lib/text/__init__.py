"""Text understanding: Arabic/English normalisation, language and script, PII redaction, sentiment."""
