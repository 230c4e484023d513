{{ config(materialized='incremental', **day_replace_config('message_date')) }}
-- Sentiment per day x source x channel x language: the table a dashboard reads. Shares are of the
-- scored messages; deleted messages do not count. Incremental by day: a run recomputes every day
-- that has a message changed in its window, from all of that day's messages.
with messages as (
    select *
    from {{ ref('fct_customer_feedback') }}
    {% if is_incremental() %}
    where message_date in (
        select message_date from {{ ref('fct_customer_feedback') }}
        where {{ changed_in_window('updated_at', 'last_updated_at') }}
    )
    {% endif %}
)

select
    message_date,
    source,
    channel,
    language,
    count(*) as messages,
    count(sentiment_label) as scored_messages,
    sum(case when sentiment_label = 'negative' then 1 else 0 end) * 1.0 / nullif(count(sentiment_label), 0)
        as negative_share,
    sum(case when sentiment_label = 'neutral' then 1 else 0 end) * 1.0 / nullif(count(sentiment_label), 0)
        as neutral_share,
    sum(case when sentiment_label = 'positive' then 1 else 0 end) * 1.0 / nullif(count(sentiment_label), 0)
        as positive_share,
    avg(sentiment_score) as mean_score,
    max(updated_at) as last_updated_at
from messages
where not is_deleted
group by message_date, source, channel, language
