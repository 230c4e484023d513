"""Zendesk public ticket comments as feedback rows,
read by one SQL query over the warehouse tables this connector keeps."""

from integration_pipelines.lib.text.feedback import FeedbackSource

FEEDBACK = FeedbackSource(
    "zendesk",
    ("zendesk.ticket_comments", "zendesk.tickets", "zendesk.users"),
    """
    SELECT 'zendesk' AS source, 'ticket_comment' AS source_object, CAST(c.id AS VARCHAR) AS message_id,
           CAST(c.ticket_id AS VARCHAR) AS parent_id,
           CASE WHEN c.author_id = t.requester_id OR u.role = 'end-user' THEN 'customer'
                ELSE 'agent' END AS author_role,
           coalesce(c.channel, t.channel) AS channel, c.created_at,
           greatest(c.updated_at, coalesce(t.updated_at, c.updated_at)) AS updated_at, c.body AS text,
           coalesce(t.is_deleted, false) OR c.is_deleted AS is_deleted
    FROM zendesk.ticket_comments c
    LEFT JOIN zendesk.tickets t ON t.id = c.ticket_id
    LEFT JOIN zendesk.users u ON u.id = c.author_id
    WHERE c.public AND greatest(c.updated_at, coalesce(t.updated_at, c.updated_at)) >= $start
      AND greatest(c.updated_at, coalesce(t.updated_at, c.updated_at)) < $end""",
)
