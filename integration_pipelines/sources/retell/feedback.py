"""Retell call transcripts as feedback rows: one per turn, unnested from ``transcript_object`` in DuckDB.

The connector keeps a call's turns as one JSON column rather than exploding them at pull time: the
API is read once (one list-calls record per call), the raw and warehouse tables stay one row per call
(Retell's own grain, and the version a re-pull replaces whole), and the unnest is one SQL step here.
A turn's ``role`` is Retell's ``user`` (the customer) or ``agent``; message ids are
``{call_id}:{turn index}``, so a re-pull of a call re-emits the same ids. ``vendor_sentiment`` is
Retell's post-call ``user_sentiment``, lower-cased, kept beside ours. A turn's ``created_at`` is its
call's start plus its first word's offset (seconds from the call's start); ``updated_at`` is the call's
start, the version the whole call shares. A customer turn's ``author_phone`` is the customer's end of
the call (``from_number`` inbound, ``to_number`` outbound), which dbt matches to people; Retell keeps no
customer records of its own.
"""

from integration_pipelines.lib.text.feedback import FeedbackSource

FEEDBACK = FeedbackSource(
    "retell",
    ("retell.calls",),
    """
    WITH calls AS (
        SELECT call_id, start_timestamp, is_deleted, lower(user_sentiment) AS vendor_sentiment,
               CASE WHEN direction = 'outbound' THEN to_number ELSE from_number END AS caller,
               from_json(transcript_object,
                         '[{"role": "VARCHAR", "content": "VARCHAR", "words": [{"start": "DOUBLE"}]}]') AS turns
        FROM retell.calls
        WHERE start_timestamp >= $start AND start_timestamp < $end AND transcript_object IS NOT NULL
    ), turns AS (
        SELECT c.*, t.i AS turn_index FROM calls c, unnest(range(len(c.turns))) AS t(i)
    )
    SELECT 'retell' AS source, 'call_turn' AS source_object, call_id || ':' || turn_index AS message_id,
           call_id AS parent_id,
           CASE WHEN turns[turn_index + 1].role = 'user' THEN 'customer' ELSE 'agent' END AS author_role,
           'voice' AS channel,
           start_timestamp + to_milliseconds(CAST(round(coalesce(turns[turn_index + 1].words[1].start, 0) * 1000)
                                                  AS BIGINT)) AS created_at,
           start_timestamp AS updated_at,
           turns[turn_index + 1].content AS text, coalesce(is_deleted, false) AS is_deleted, vendor_sentiment,
           CASE WHEN turns[turn_index + 1].role = 'user' THEN caller END AS author_phone
    FROM turns
    WHERE turns[turn_index + 1].role IN ('user', 'agent') AND coalesce(turns[turn_index + 1].content, '') <> ''""",
)
