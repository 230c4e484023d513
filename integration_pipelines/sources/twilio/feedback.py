"""Twilio inbound SMS and WhatsApp messages (the customer's side of each thread) as feedback rows,
read by one SQL query over the warehouse table this connector keeps. Each names its author by the sender's
number (``whatsapp:`` dropped), which is how the dbt identities find the same person on a call or a booking."""

from integration_pipelines.lib.text.feedback import FeedbackSource

FEEDBACK = FeedbackSource(
    "twilio",
    ("twilio.messages",),
    """
    SELECT 'twilio' AS source, 'message' AS source_object, m.sid AS message_id, m.thread_id AS parent_id,
           'customer' AS author_role, m.channel, coalesce(m.date_sent, m.date_created) AS created_at,
           m.date_updated AS updated_at, m.body AS text, m.is_deleted,
           regexp_replace(m.from_address, '^whatsapp:', '') AS author_phone
    FROM twilio.messages m
    WHERE m.direction = 'inbound' AND (m.is_deleted OR coalesce(m.body, '') <> '')
      AND m.date_updated >= $start AND m.date_updated < $end""",
)
