"""The demo generator: a believable office with Faker data, built through the store's own actions."""
