{{ config(meta={'dagster': {'ref': {'name': 'agg_sentiment_daily'}}}) }}
-- A dashboard's stacked bars must add up: where any message was scored, the three shares sum to 1,
-- and a group never scores more messages than it has.
select message_date, source, channel, language
from {{ ref('agg_sentiment_daily') }}
where scored_messages > messages
   or (scored_messages > 0 and abs(negative_share + neutral_share + positive_share - 1) > 0.000001)
