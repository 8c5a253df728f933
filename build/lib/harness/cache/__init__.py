"""Response cache: model replies stored under a hash of everything that shapes them."""

from harness.cache.key import cache_key
from harness.cache.store import CACHE_MODES, CacheMissError, CachedReply, CacheMode, ResponseCache, default_cache_dir

__all__ = ["CACHE_MODES", "CacheMissError", "CacheMode", "CachedReply", "ResponseCache", "cache_key", "default_cache_dir"]
