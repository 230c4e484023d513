"""Salesforce published case comments as feedback rows,
read by one SQL query over the warehouse tables this connector keeps."""

from integration_pipelines.lib.text.feedback import FeedbackSource

FEEDBACK = FeedbackSource(
    "salesforce",
    ("salesforce.case_comments", "salesforce.cases"),
    """
    SELECT 'salesforce' AS source, 'case_comment' AS source_object, cc.Id AS message_id,
           cc.ParentId AS parent_id,
           CASE WHEN cc.CreatedById = c.CreatedById THEN 'customer' ELSE 'agent' END AS author_role,
           lower(c.Origin) AS channel, cc.CreatedDate AS created_at,
           greatest(cc.SystemModstamp, coalesce(c.SystemModstamp, cc.SystemModstamp)) AS updated_at,
           cc.CommentBody AS text, cc.is_deleted OR coalesce(c.is_deleted, false) AS is_deleted
    FROM salesforce.case_comments cc
    LEFT JOIN salesforce.cases c ON c.Id = cc.ParentId
    WHERE cc.IsPublished
      AND greatest(cc.SystemModstamp, coalesce(c.SystemModstamp, cc.SystemModstamp)) >= $start
      AND greatest(cc.SystemModstamp, coalesce(c.SystemModstamp, cc.SystemModstamp)) < $end""",
)
