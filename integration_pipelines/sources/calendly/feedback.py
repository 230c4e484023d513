"""Calendly bookings as feedback rows: each invitee's non-empty answer to a booking question, and each
reason an invitee gave when cancelling, read by one SQL query over the warehouse tables this connector
keeps. Channel ``meeting``; the conversation (``parent_id``) is the scheduled event; the author is the
invitee, named by email (``author_email``) since Calendly keeps no customer records of its own."""

from integration_pipelines.lib.text.feedback import FeedbackSource

ANSWERS_TYPE = '[{"question": "VARCHAR", "answer": "VARCHAR", "position": "BIGINT"}]'

FEEDBACK = FeedbackSource(
    "calendly",
    ("calendly.invitees", "calendly.scheduled_events"),
    f"""
    WITH answers AS (
        SELECT i.uri, i.event_uri, i.event_uuid, i.email, i.created_at, i.updated_at, i.is_deleted,
               unnest(from_json(i.questions_and_answers, '{ANSWERS_TYPE}')) AS qa
        FROM calendly.invitees i
    ), said AS (
        SELECT 'invitee_answer' AS source_object,
               a.uri || '#answer-' || CAST(coalesce(a.qa.position, 0) AS VARCHAR) AS message_id,
               a.event_uri, a.event_uuid, a.email, a.created_at, a.updated_at, a.qa.answer AS text, a.is_deleted
        FROM answers a
        UNION ALL
        SELECT 'invitee_cancellation', i.uri || '#cancellation', i.event_uri, i.event_uuid, i.email,
               coalesce(i.canceled_at, i.updated_at), i.updated_at, i.cancel_reason, i.is_deleted
        FROM calendly.invitees i
        WHERE i.canceler_type = 'invitee'
    )
    SELECT 'calendly' AS source, s.source_object, s.message_id, s.event_uuid AS parent_id,
           'customer' AS author_role, 'meeting' AS channel, s.created_at,
           greatest(s.updated_at, coalesce(e.updated_at, s.updated_at)) AS updated_at, s.text,
           coalesce(e.is_deleted, false) OR s.is_deleted AS is_deleted, s.email AS author_email
    FROM said s
    LEFT JOIN calendly.scheduled_events e ON e.uri = s.event_uri
    WHERE s.text IS NOT NULL AND trim(s.text) <> ''
      AND greatest(s.updated_at, coalesce(e.updated_at, s.updated_at)) >= $start
      AND greatest(s.updated_at, coalesce(e.updated_at, s.updated_at)) < $end""",
)
