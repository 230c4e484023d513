{{ config(meta={'dagster': {'ref': {'name': 'fct_customer_feedback'}}}) }}
-- Every negative message is someone to follow up with: it must be tied to a customer, except in
-- sources whose export does not say who wrote a message (var sources_without_message_authors).
select message_key, source, conversation_key
from {{ ref('fct_customer_feedback') }}
where sentiment_label = 'negative'
  and not is_deleted
  and customer_key is null
  and source not in ('{{ var("sources_without_message_authors") | join("', '") }}')
