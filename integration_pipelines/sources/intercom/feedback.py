"""Intercom conversation parts (the opening message and comments) as feedback rows,
read by one SQL query over the warehouse tables this connector keeps."""

from integration_pipelines.lib.text.feedback import FeedbackSource

FEEDBACK = FeedbackSource(
    "intercom",
    ("intercom.conversation_parts", "intercom.conversations"),
    """
    SELECT 'intercom' AS source, 'conversation_part' AS source_object, p.id AS message_id,
           p.conversation_id AS parent_id,
           CASE WHEN p.author_type IN ('user', 'lead', 'contact') THEN 'customer'
                WHEN p.author_type IN ('admin', 'team') THEN 'agent' ELSE 'system' END AS author_role,
           coalesce(c.channel, p.channel) AS channel, p.created_at,
           greatest(p.updated_at, coalesce(c.updated_at, p.updated_at)) AS updated_at, p.body AS text,
           p.is_deleted OR coalesce(c.is_deleted, false) AS is_deleted
    FROM intercom.conversation_parts p
    LEFT JOIN intercom.conversations c ON c.id = p.conversation_id
    WHERE p.part_type IN ('source', 'comment') AND p.body IS NOT NULL AND p.body <> ''
      AND greatest(p.updated_at, coalesce(c.updated_at, p.updated_at)) >= $start
      AND greatest(p.updated_at, coalesce(c.updated_at, p.updated_at)) < $end""",
)
