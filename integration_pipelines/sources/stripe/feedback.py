"""Stripe's customer words as feedback rows: each subscription's cancellation comment and each dispute,
read by one SQL query over the warehouse tables this connector keeps.

A dispute's text is the customer's words when it carries them (``evidence.uncategorized_text``), else
its reason made readable ("product_not_received" → "Product not received"); the reason enums stay as
columns of ``stripe.subscriptions`` and ``stripe.disputes``. Each row names its author as Stripe knows them
(the subscription's customer: its id, and its email and phone once the customer record is in the warehouse;
the dispute's evidence email), which is how the dbt
identities find the same person on a call or in a WhatsApp thread.
"""

from integration_pipelines.lib.text.feedback import FeedbackSource

FEEDBACK = FeedbackSource(
    "stripe",
    ("stripe.subscriptions", "stripe.disputes", "stripe.customers"),
    """
    SELECT 'stripe' AS source, 'subscription_cancellation' AS source_object,
           s.id || ':cancellation' AS message_id, s.id AS parent_id, 'customer' AS author_role,
           'payment' AS channel, coalesce(s.canceled_at, s.updated_at) AS created_at, s.updated_at,
           s.cancellation_comment AS text, s.is_deleted, s.customer AS author_id, c.email AS author_email,
           c.phone AS author_phone
    FROM stripe.subscriptions s
    LEFT JOIN stripe.customers c ON c.id = s.customer
    WHERE s.cancellation_comment IS NOT NULL AND trim(s.cancellation_comment) <> ''
      AND s.updated_at >= $start AND s.updated_at < $end
    UNION ALL
    SELECT 'stripe' AS source, 'dispute' AS source_object, d.id AS message_id, d.id AS parent_id,
           'customer' AS author_role, 'payment' AS channel, d.created AS created_at, d.updated_at,
           coalesce(nullif(trim(d.evidence_text), ''),
                    upper(substr(replace(d.reason, '_', ' '), 1, 1)) || substr(replace(d.reason, '_', ' '), 2))
             AS text,
           d.is_deleted, NULL AS author_id, d.customer_email AS author_email, NULL AS author_phone
    FROM stripe.disputes d
    WHERE d.updated_at >= $start AND d.updated_at < $end""",
)
