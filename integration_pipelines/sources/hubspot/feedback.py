"""HubSpot tickets (the ticket's content is the customer's message) as feedback rows,
read by one SQL query over the warehouse tables this connector keeps."""

from integration_pipelines.lib.text.feedback import FeedbackSource

FEEDBACK = FeedbackSource(
    "hubspot",
    ("hubspot.tickets",),
    """
    SELECT 'hubspot' AS source, 'ticket' AS source_object, CAST(id AS VARCHAR) AS message_id,
           CAST(id AS VARCHAR) AS parent_id, 'customer' AS author_role, lower(source_type) AS channel,
           created_at, updated_at, content AS text, is_deleted
    FROM hubspot.tickets
    WHERE content IS NOT NULL AND updated_at >= $start AND updated_at < $end""",
)
