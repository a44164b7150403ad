"""Field-operation pages, split by subject: facility page and inspections, samples, work
orders, the inspection schedule, and the offline plumbing (service worker, sync token)."""
