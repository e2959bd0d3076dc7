# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request shapes of the Open WebUI admin endpoints, per release family. GENERATED DATA.

Written by ``tests/tools/openwebui_schema.py`` from the OpenAPI documents
that the releases serve with ``ENV=dev``; do not edit by hand. To add a
release: ``tests/harness/openwebui.sh dump VERSION`` then
``python tests/tools/openwebui_schema.py --write --cache``.

``CHANGES`` holds one entry per family, oldest first: ``(reference release,
differences)``. The first entry is complete; every later one holds only what
differs from the family before it (a key set to ``None`` is gone, a dict is
merged key by key, anything else replaces). ``_openwebui_profiles.SHAPES``
rebuilds each family's full shapes from them. The shapes are:

* ``bodies``: section -> POST body of its update endpoint, field name -> type
  (``bool``, ``int``, ``float``, ``str``, ``list``, ``dict``, ``any``, unions
  joined with ``|``; a trailing ``?`` means ``null`` is accepted; a nested
  dict is a nested object). ``models`` is the default-models body,
  ``tool_server`` one tool server connection, ``banner`` one banner.
* ``missing``: sections whose read or write endpoint the release lacks.

``FAMILIES`` maps release ranges to their reference: ``(reference, minimum,
below)``, ``minimum <= version < below``. ``DUMPED`` lists every release whose
document was read, with the family it fell into; ``SOURCES`` says how each
document was made: served by a full install of the release, or built by
importing the release's code (installed without dependencies) over another
release's installed dependencies (``tests/harness/openwebui.sh dump``).
``UNCOVERED`` lists the releases of tests/tools/openwebui_releases.txt that
no family covers yet (refused until their documents are dumped).
"""

from __future__ import annotations

from typing import Any

CHANGES: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "0.6.12",
        {
            "bodies": {
                "audio": {
                    "stt": {
                        "AZURE_API_KEY": "str",
                        "AZURE_BASE_URL": "str",
                        "AZURE_LOCALES": "str",
                        "AZURE_MAX_SPEAKERS": "str",
                        "AZURE_REGION": "str",
                        "DEEPGRAM_API_KEY": "str",
                        "ENGINE": "str",
                        "MODEL": "str",
                        "OPENAI_API_BASE_URL": "str",
                        "OPENAI_API_KEY": "str",
                        "WHISPER_MODEL": "str",
                    },
                    "tts": {
                        "API_KEY": "str",
                        "AZURE_SPEECH_BASE_URL": "str",
                        "AZURE_SPEECH_OUTPUT_FORMAT": "str",
                        "AZURE_SPEECH_REGION": "str",
                        "ENGINE": "str",
                        "MODEL": "str",
                        "OPENAI_API_BASE_URL": "str",
                        "OPENAI_API_KEY": "str",
                        "SPLIT_ON": "str",
                        "VOICE": "str",
                    },
                },
                "auth": {
                    "API_KEY_ALLOWED_ENDPOINTS": "str",
                    "DEFAULT_USER_ROLE": "str",
                    "ENABLE_API_KEY": "bool",
                    "ENABLE_API_KEY_ENDPOINT_RESTRICTIONS": "bool",
                    "ENABLE_CHANNELS": "bool",
                    "ENABLE_COMMUNITY_SHARING": "bool",
                    "ENABLE_MESSAGE_RATING": "bool",
                    "ENABLE_NOTES": "bool",
                    "ENABLE_SIGNUP": "bool",
                    "ENABLE_USER_WEBHOOKS": "bool",
                    "JWT_EXPIRES_IN": "str",
                    "PENDING_USER_OVERLAY_CONTENT": "str?",
                    "PENDING_USER_OVERLAY_TITLE": "str?",
                    "RESPONSE_WATERMARK": "str?",
                    "SHOW_ADMIN_DETAILS": "bool",
                    "WEBUI_URL": "str",
                },
                "banner": {
                    "content": "str",
                    "dismissible": "bool",
                    "id": "str",
                    "timestamp": "int",
                    "title": "str?",
                    "type": "str",
                },
                "code_execution": {
                    "CODE_EXECUTION_ENGINE": "str",
                    "CODE_EXECUTION_JUPYTER_AUTH": "str?",
                    "CODE_EXECUTION_JUPYTER_AUTH_PASSWORD": "str?",
                    "CODE_EXECUTION_JUPYTER_AUTH_TOKEN": "str?",
                    "CODE_EXECUTION_JUPYTER_TIMEOUT": "int?",
                    "CODE_EXECUTION_JUPYTER_URL": "str?",
                    "CODE_INTERPRETER_ENGINE": "str",
                    "CODE_INTERPRETER_JUPYTER_AUTH": "str?",
                    "CODE_INTERPRETER_JUPYTER_AUTH_PASSWORD": "str?",
                    "CODE_INTERPRETER_JUPYTER_AUTH_TOKEN": "str?",
                    "CODE_INTERPRETER_JUPYTER_TIMEOUT": "int?",
                    "CODE_INTERPRETER_JUPYTER_URL": "str?",
                    "CODE_INTERPRETER_PROMPT_TEMPLATE": "str?",
                    "ENABLE_CODE_EXECUTION": "bool",
                    "ENABLE_CODE_INTERPRETER": "bool",
                },
                "images": {
                    "automatic1111": {
                        "AUTOMATIC1111_API_AUTH": "str",
                        "AUTOMATIC1111_BASE_URL": "str",
                        "AUTOMATIC1111_CFG_SCALE": "float|int|str?",
                        "AUTOMATIC1111_SAMPLER": "str?",
                        "AUTOMATIC1111_SCHEDULER": "str?",
                    },
                    "comfyui": {
                        "COMFYUI_API_KEY": "str",
                        "COMFYUI_BASE_URL": "str",
                        "COMFYUI_WORKFLOW": "str",
                        "COMFYUI_WORKFLOW_NODES": "list",
                    },
                    "enabled": "bool",
                    "engine": "str",
                    "gemini": {"GEMINI_API_BASE_URL": "str", "GEMINI_API_KEY": "str"},
                    "openai": {"OPENAI_API_BASE_URL": "str", "OPENAI_API_KEY": "str"},
                    "prompt_generation": "bool",
                },
                "models": {"DEFAULT_MODELS": "str?", "MODEL_ORDER_LIST": "list?"},
                "permissions": {
                    "chat": {
                        "call": "bool",
                        "controls": "bool",
                        "delete": "bool",
                        "edit": "bool",
                        "export": "bool",
                        "file_upload": "bool",
                        "multiple_models": "bool",
                        "share": "bool",
                        "stt": "bool",
                        "temporary": "bool",
                        "temporary_enforced": "bool",
                        "tts": "bool",
                    },
                    "features": {
                        "code_interpreter": "bool",
                        "direct_tool_servers": "bool",
                        "image_generation": "bool",
                        "notes": "bool",
                        "web_search": "bool",
                    },
                    "sharing": {
                        "public_knowledge": "bool",
                        "public_models": "bool",
                        "public_prompts": "bool",
                        "public_tools": "bool",
                    },
                    "workspace": {"knowledge": "bool", "models": "bool", "prompts": "bool", "tools": "bool"},
                },
                "retrieval": {
                    "ALLOWED_FILE_EXTENSIONS": "list?",
                    "BYPASS_EMBEDDING_AND_RETRIEVAL": "bool?",
                    "CHUNK_OVERLAP": "int?",
                    "CHUNK_SIZE": "int?",
                    "CONTENT_EXTRACTION_ENGINE": "str?",
                    "DATALAB_MARKER_API_KEY": "str?",
                    "DATALAB_MARKER_DISABLE_IMAGE_EXTRACTION": "bool?",
                    "DATALAB_MARKER_FORCE_OCR": "bool?",
                    "DATALAB_MARKER_LANGS": "str?",
                    "DATALAB_MARKER_OUTPUT_FORMAT": "str?",
                    "DATALAB_MARKER_PAGINATE": "bool?",
                    "DATALAB_MARKER_SKIP_CACHE": "bool?",
                    "DATALAB_MARKER_STRIP_EXISTING_OCR": "bool?",
                    "DATALAB_MARKER_USE_LLM": "bool?",
                    "DOCLING_DO_PICTURE_DESCRIPTION": "bool?",
                    "DOCLING_OCR_ENGINE": "str?",
                    "DOCLING_OCR_LANG": "str?",
                    "DOCLING_SERVER_URL": "str?",
                    "DOCUMENT_INTELLIGENCE_ENDPOINT": "str?",
                    "DOCUMENT_INTELLIGENCE_KEY": "str?",
                    "ENABLE_GOOGLE_DRIVE_INTEGRATION": "bool?",
                    "ENABLE_ONEDRIVE_INTEGRATION": "bool?",
                    "ENABLE_RAG_HYBRID_SEARCH": "bool?",
                    "EXTERNAL_DOCUMENT_LOADER_API_KEY": "str?",
                    "EXTERNAL_DOCUMENT_LOADER_URL": "str?",
                    "FILE_MAX_COUNT": "int?",
                    "FILE_MAX_SIZE": "int?",
                    "HYBRID_BM25_WEIGHT": "float?",
                    "MISTRAL_OCR_API_KEY": "str?",
                    "PDF_EXTRACT_IMAGES": "bool?",
                    "RAG_EXTERNAL_RERANKER_API_KEY": "str?",
                    "RAG_EXTERNAL_RERANKER_URL": "str?",
                    "RAG_FULL_CONTEXT": "bool?",
                    "RAG_RERANKING_ENGINE": "str?",
                    "RAG_RERANKING_MODEL": "str?",
                    "RAG_TEMPLATE": "str?",
                    "RELEVANCE_THRESHOLD": "float?",
                    "TEXT_SPLITTER": "str?",
                    "TIKA_SERVER_URL": "str?",
                    "TOP_K": "int?",
                    "TOP_K_RERANKER": "int?",
                    "web": {
                        "BING_SEARCH_V7_ENDPOINT": "str?",
                        "BING_SEARCH_V7_SUBSCRIPTION_KEY": "str?",
                        "BOCHA_SEARCH_API_KEY": "str?",
                        "BRAVE_SEARCH_API_KEY": "str?",
                        "BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL": "bool?",
                        "BYPASS_WEB_SEARCH_WEB_LOADER": "bool?",
                        "ENABLE_WEB_LOADER_SSL_VERIFICATION": "bool?",
                        "ENABLE_WEB_SEARCH": "bool?",
                        "EXA_API_KEY": "str?",
                        "EXTERNAL_WEB_LOADER_API_KEY": "str?",
                        "EXTERNAL_WEB_LOADER_URL": "str?",
                        "EXTERNAL_WEB_SEARCH_API_KEY": "str?",
                        "EXTERNAL_WEB_SEARCH_URL": "str?",
                        "FIRECRAWL_API_BASE_URL": "str?",
                        "FIRECRAWL_API_KEY": "str?",
                        "GOOGLE_PSE_API_KEY": "str?",
                        "GOOGLE_PSE_ENGINE_ID": "str?",
                        "JINA_API_KEY": "str?",
                        "KAGI_SEARCH_API_KEY": "str?",
                        "MOJEEK_SEARCH_API_KEY": "str?",
                        "PERPLEXITY_API_KEY": "str?",
                        "PLAYWRIGHT_TIMEOUT": "int?",
                        "PLAYWRIGHT_WS_URL": "str?",
                        "SEARCHAPI_API_KEY": "str?",
                        "SEARCHAPI_ENGINE": "str?",
                        "SEARXNG_QUERY_URL": "str?",
                        "SERPAPI_API_KEY": "str?",
                        "SERPAPI_ENGINE": "str?",
                        "SERPER_API_KEY": "str?",
                        "SERPLY_API_KEY": "str?",
                        "SERPSTACK_API_KEY": "str?",
                        "SERPSTACK_HTTPS": "bool?",
                        "SOUGOU_API_SID": "str?",
                        "SOUGOU_API_SK": "str?",
                        "TAVILY_API_KEY": "str?",
                        "TAVILY_EXTRACT_DEPTH": "str?",
                        "WEB_LOADER_ENGINE": "str?",
                        "WEB_SEARCH_CONCURRENT_REQUESTS": "int?",
                        "WEB_SEARCH_DOMAIN_FILTER_LIST": "list?",
                        "WEB_SEARCH_ENGINE": "str?",
                        "WEB_SEARCH_RESULT_COUNT": "int?",
                        "WEB_SEARCH_TRUST_ENV": "bool?",
                        "YACY_PASSWORD": "str?",
                        "YACY_QUERY_URL": "str?",
                        "YACY_USERNAME": "str?",
                        "YOUTUBE_LOADER_LANGUAGE": "list?",
                        "YOUTUBE_LOADER_PROXY_URL": "str?",
                        "YOUTUBE_LOADER_TRANSLATION": "str?",
                    },
                },
                "tasks": {
                    "AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH": "int",
                    "ENABLE_AUTOCOMPLETE_GENERATION": "bool",
                    "ENABLE_RETRIEVAL_QUERY_GENERATION": "bool",
                    "ENABLE_SEARCH_QUERY_GENERATION": "bool",
                    "ENABLE_TAGS_GENERATION": "bool",
                    "ENABLE_TITLE_GENERATION": "bool",
                    "IMAGE_PROMPT_GENERATION_PROMPT_TEMPLATE": "str",
                    "QUERY_GENERATION_PROMPT_TEMPLATE": "str",
                    "TAGS_GENERATION_PROMPT_TEMPLATE": "str",
                    "TASK_MODEL": "str?",
                    "TASK_MODEL_EXTERNAL": "str?",
                    "TITLE_GENERATION_PROMPT_TEMPLATE": "str",
                    "TOOLS_FUNCTION_CALLING_PROMPT_TEMPLATE": "str",
                },
                "tool_server": {"auth_type": "str?", "config": "dict?", "key": "str?", "path": "str", "url": "str"},
            },
            "missing": [],
        },
    ),
    (
        "0.6.14",
        {
            "bodies": {
                "retrieval": {
                    "DOCLING_PICTURE_DESCRIPTION_API": "dict?",
                    "DOCLING_PICTURE_DESCRIPTION_LOCAL": "dict?",
                    "DOCLING_PICTURE_DESCRIPTION_MODE": "str?",
                    "web": {"PERPLEXITY_MODEL": "str?", "PERPLEXITY_SEARCH_CONTEXT_USAGE": "str?"},
                },
                "tasks": {"ENABLE_FOLLOW_UP_GENERATION": "bool", "FOLLOW_UP_GENERATION_PROMPT_TEMPLATE": "str"},
            }
        },
    ),
    (
        "0.6.15",
        {
            "bodies": {
                "audio": {"stt": {"SUPPORTED_CONTENT_TYPES": "list"}},
                "permissions": {"chat": {"system_prompt": "bool"}},
                "retrieval": {"FILE_IMAGE_COMPRESSION_HEIGHT": "int?", "FILE_IMAGE_COMPRESSION_WIDTH": "int?"},
            }
        },
    ),
    (
        "0.6.19",
        {
            "bodies": {
                "permissions": {"chat": {"params": "bool", "valves": "bool"}},
                "retrieval": {
                    "DATALAB_MARKER_ADDITIONAL_CONFIG": "str?",
                    "DATALAB_MARKER_API_BASE_URL": "str?",
                    "DATALAB_MARKER_FORMAT_LINES": "bool?",
                    "DATALAB_MARKER_LANGS": None,
                },
            }
        },
    ),
    ("0.6.23", {"bodies": {"retrieval": {"web": {"WEB_LOADER_CONCURRENT_REQUESTS": "int?"}}}}),
    (
        "0.6.26",
        {
            "bodies": {
                "permissions": {
                    "chat": {
                        "continue_response": "bool",
                        "delete_message": "bool",
                        "rate_response": "bool",
                        "regenerate_response": "bool",
                    }
                }
            }
        },
    ),
    (
        "0.6.27",
        {
            "bodies": {
                "images": {"openai": {"OPENAI_API_VERSION": "str"}},
                "retrieval": {
                    "DOCLING_DO_OCR": "bool?",
                    "DOCLING_FORCE_OCR": "bool?",
                    "DOCLING_PDF_BACKEND": "str?",
                    "DOCLING_PIPELINE": "str?",
                    "DOCLING_TABLE_MODE": "str?",
                },
            }
        },
    ),
    (
        "0.6.31",
        {
            "bodies": {
                "retrieval": {"web": {"OLLAMA_CLOUD_WEB_SEARCH_API_KEY": "str?"}},
                "tool_server": {"type": "str?"},
            }
        },
    ),
    ("0.6.32", {"bodies": {"permissions": {"sharing": {"public_notes": "bool"}}}}),
    ("0.6.33", {"bodies": {"audio": {"tts": {"OPENAI_PARAMS": "dict?"}}, "retrieval": {"DOCLING_PARAMS": "dict?"}}}),
    (
        "0.6.34",
        {
            "bodies": {
                "retrieval": {
                    "MINERU_API_KEY": "str?",
                    "MINERU_API_MODE": "str?",
                    "MINERU_API_URL": "str?",
                    "MINERU_PARAMS": "dict?",
                }
            }
        },
    ),
    (
        "0.6.35",
        {
            "bodies": {
                "audio": {
                    "stt": {
                        "MISTRAL_API_BASE_URL": "str",
                        "MISTRAL_API_KEY": "str",
                        "MISTRAL_USE_CHAT_COMPLETIONS": "bool",
                    }
                },
                "images": {
                    "AUTOMATIC1111_API_AUTH": "str",
                    "AUTOMATIC1111_BASE_URL": "str",
                    "AUTOMATIC1111_PARAMS": "dict|str?",
                    "COMFYUI_API_KEY": "str",
                    "COMFYUI_BASE_URL": "str",
                    "COMFYUI_WORKFLOW": "str",
                    "COMFYUI_WORKFLOW_NODES": "list",
                    "ENABLE_IMAGE_GENERATION": "bool",
                    "ENABLE_IMAGE_PROMPT_GENERATION": "bool",
                    "IMAGES_EDIT_COMFYUI_API_KEY": "str",
                    "IMAGES_EDIT_COMFYUI_BASE_URL": "str",
                    "IMAGES_EDIT_COMFYUI_WORKFLOW": "str",
                    "IMAGES_EDIT_COMFYUI_WORKFLOW_NODES": "list",
                    "IMAGES_EDIT_GEMINI_API_BASE_URL": "str",
                    "IMAGES_EDIT_GEMINI_API_KEY": "str",
                    "IMAGES_EDIT_OPENAI_API_BASE_URL": "str",
                    "IMAGES_EDIT_OPENAI_API_KEY": "str",
                    "IMAGES_EDIT_OPENAI_API_VERSION": "str",
                    "IMAGES_GEMINI_API_BASE_URL": "str",
                    "IMAGES_GEMINI_API_KEY": "str",
                    "IMAGES_GEMINI_ENDPOINT_METHOD": "str",
                    "IMAGES_OPENAI_API_BASE_URL": "str",
                    "IMAGES_OPENAI_API_KEY": "str",
                    "IMAGES_OPENAI_API_VERSION": "str",
                    "IMAGE_EDIT_ENGINE": "str",
                    "IMAGE_EDIT_MODEL": "str",
                    "IMAGE_EDIT_SIZE": "str?",
                    "IMAGE_GENERATION_ENGINE": "str",
                    "IMAGE_GENERATION_MODEL": "str",
                    "IMAGE_SIZE": "str?",
                    "IMAGE_STEPS": "int?",
                    "automatic1111": None,
                    "comfyui": None,
                    "enabled": None,
                    "engine": None,
                    "gemini": None,
                    "openai": None,
                    "prompt_generation": None,
                },
                "retrieval": {"MISTRAL_OCR_API_BASE_URL": "str?"},
            }
        },
    ),
    (
        "0.6.37",
        {
            "bodies": {
                "auth": {
                    "API_KEYS_ALLOWED_ENDPOINTS": "str",
                    "API_KEY_ALLOWED_ENDPOINTS": None,
                    "DEFAULT_GROUP_ID": "str",
                    "ENABLE_API_KEY": None,
                    "ENABLE_API_KEYS": "bool",
                    "ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS": "bool",
                    "ENABLE_API_KEY_ENDPOINT_RESTRICTIONS": None,
                },
                "images": {
                    "AUTOMATIC1111_API_AUTH": "dict|str?",
                    "ENABLE_IMAGE_EDIT": "bool",
                    "IMAGES_OPENAI_API_PARAMS": "dict|str?",
                },
                "models": {"DEFAULT_PINNED_MODELS": "str?"},
                "permissions": {
                    "features": {"api_keys": "bool"},
                    "sharing": {
                        "knowledge": "bool",
                        "models": "bool",
                        "notes": "bool",
                        "prompts": "bool",
                        "tools": "bool",
                    },
                    "workspace": {
                        "models_export": "bool",
                        "models_import": "bool",
                        "prompts_export": "bool",
                        "prompts_import": "bool",
                        "tools_export": "bool",
                        "tools_import": "bool",
                    },
                },
                "retrieval": {
                    "ENABLE_RAG_HYBRID_SEARCH_ENRICHED_TEXTS": "bool?",
                    "web": {"PERPLEXITY_SEARCH_API_URL": "str?"},
                },
                "tasks": {"VOICE_MODE_PROMPT_TEMPLATE": "str?"},
                "tool_server": {"headers": "dict|str?"},
            }
        },
    ),
    (
        "0.6.39",
        {
            "bodies": {
                "retrieval": {
                    "DOCLING_API_KEY": "str?",
                    "DOCLING_DO_OCR": None,
                    "DOCLING_DO_PICTURE_DESCRIPTION": None,
                    "DOCLING_FORCE_OCR": None,
                    "DOCLING_OCR_ENGINE": None,
                    "DOCLING_OCR_LANG": None,
                    "DOCLING_PDF_BACKEND": None,
                    "DOCLING_PICTURE_DESCRIPTION_API": None,
                    "DOCLING_PICTURE_DESCRIPTION_LOCAL": None,
                    "DOCLING_PICTURE_DESCRIPTION_MODE": None,
                    "DOCLING_PIPELINE": None,
                    "DOCLING_TABLE_MODE": None,
                }
            }
        },
    ),
    (
        "0.6.41",
        {
            "bodies": {
                "auth": {"ENABLE_FOLDERS": "bool"},
                "permissions": {"features": {"channels": "bool", "folders": "bool"}},
                "retrieval": {"DOCUMENT_INTELLIGENCE_MODEL": "str?"},
            }
        },
    ),
    (
        "0.6.42",
        {
            "bodies": {
                "retrieval": {
                    "MINERU_API_TIMEOUT": "str?",
                    "RAG_EXTERNAL_RERANKER_TIMEOUT": "str?",
                    "web": {"SEARXNG_LANGUAGE": "str?", "WEB_LOADER_TIMEOUT": "str?"},
                }
            }
        },
    ),
    (
        "0.7.0",
        {
            "bodies": {
                "auth": {
                    "ADMIN_EMAIL": "str?",
                    "ENABLE_MEMORIES": "bool",
                    "ENABLE_USER_STATUS": "bool",
                    "FOLDER_MAX_FILE_COUNT": "int|str?",
                },
                "permissions": {"features": {"memories": "bool"}, "settings": {"interface": "bool"}},
                "retrieval": {
                    "CHUNK_MIN_SIZE_TARGET": "int?",
                    "ENABLE_MARKDOWN_HEADER_TEXT_SPLITTER": "bool?",
                    "web": {"DDGS_BACKEND": "str?", "FIRECRAWL_TIMEOUT": "str?", "JINA_API_BASE_URL": "str?"},
                },
            }
        },
    ),
    (
        "0.8.0",
        {
            "bodies": {
                "permissions": {"workspace": {"skills": "bool"}},
                "retrieval": {
                    "PDF_LOADER_MODE": "str?",
                    "web": {
                        "YANDEX_WEB_SEARCH_API_KEY": "str?",
                        "YANDEX_WEB_SEARCH_CONFIG": "str?",
                        "YANDEX_WEB_SEARCH_URL": "str?",
                    },
                },
            }
        },
    ),
    ("0.8.2", {"bodies": {"permissions": {"sharing": {"public_skills": "bool", "skills": "bool"}}}}),
    (
        "0.8.4",
        {
            "bodies": {
                "models": {"DEFAULT_MODEL_METADATA": "dict?", "DEFAULT_MODEL_PARAMS": "dict?"},
                "permissions": {"chat": {"web_upload": "bool"}},
                "retrieval": {"web": {"YOUCOM_API_KEY": "str?"}},
            }
        },
    ),
    ("0.8.6", {"bodies": {"permissions": {"access_grants": {"allow_users": "bool"}}}}),
    (
        "0.8.9",
        {
            "bodies": {
                "retrieval": {
                    "FILE_IMAGE_COMPRESSION_HEIGHT": "int|str?",
                    "FILE_IMAGE_COMPRESSION_WIDTH": "int|str?",
                    "FILE_MAX_COUNT": "int|str?",
                    "FILE_MAX_SIZE": "int|str?",
                }
            }
        },
    ),
    ("0.8.11", {"bodies": {"retrieval": {"web": {"WEB_FETCH_MAX_CONTENT_LENGTH": "int?"}}}}),
    (
        "0.9.0",
        {
            "bodies": {
                "audio": {"tts": {"MISTRAL_API_BASE_URL": "str", "MISTRAL_API_KEY": "str"}},
                "auth": {
                    "AUTOMATION_MAX_COUNT": "int|str?",
                    "AUTOMATION_MIN_INTERVAL": "int|str?",
                    "ENABLE_AUTOMATIONS": "bool",
                    "ENABLE_CALENDAR": "bool",
                },
                "permissions": {"features": {"automations": "bool"}},
                "retrieval": {"RAG_RERANKING_BATCH_SIZE": "int?"},
            }
        },
    ),
    ("0.9.2", {"bodies": {"retrieval": {"PADDLEOCR_VL_BASE_URL": "str?", "PADDLEOCR_VL_TOKEN": "str?"}}}),
    (
        "0.9.3",
        {
            "bodies": {
                "audio": {"stt": {"ALLOWED_EXTENSIONS": "list"}},
                "permissions": {"sharing": {"public_chats": "bool"}},
                "retrieval": {"web": {"BRAVE_SEARCH_CONTEXT_TOKENS": "int?"}},
                "tasks": {"ENABLE_VOICE_MODE_PROMPT": "bool"},
                "tool_server": {"info": "dict?"},
            }
        },
    ),
    ("0.9.5", {"bodies": {"permissions": {"features": {"calendar": "bool"}, "sharing": {"public_calendars": "bool"}}}}),
    (
        "0.9.6",
        {
            "bodies": {
                "models": {"MODEL_ORDER_LIST": "list"},
                "retrieval": {
                    "ALLOWED_FILE_EXTENSIONS": "list",
                    "MINERU_FILE_EXTENSIONS": "list?",
                    "web": {
                        "LINKUP_API_KEY": "str?",
                        "LINKUP_SEARCH_PARAMS": "dict?",
                        "WEB_SEARCH_DOMAIN_FILTER_LIST": "list",
                        "YOUTUBE_LOADER_LANGUAGE": "list",
                    },
                },
            }
        },
    ),
    (
        "0.10.0",
        {
            "bodies": {
                "permissions": {
                    "chat": {"import": "bool"},
                    "features": {"webhooks": "bool"},
                    "workspace": {"skills_export": "bool", "skills_import": "bool"},
                },
                "retrieval": {
                    "EXTERNAL_DOCUMENT_LOADER_HEADERS": "dict?",
                    "MINERU_API_TIMEOUT": "int?",
                    "MISTRAL_OCR_USE_BASE64": "bool?",
                    "RAG_TOKENIZER_MODEL": "str?",
                    "web": {
                        "ENABLE_WEB_SEARCH_CONFIRMATION": "bool?",
                        "MICROSOFT_WEB_IQ_API_BASE_URL": "str?",
                        "MICROSOFT_WEB_IQ_API_KEY": "str?",
                        "MICROSOFT_WEB_IQ_LANGUAGE": "str?",
                        "SERPHOUSE_API_KEY": "str?",
                        "SERPHOUSE_DOMAIN": "str?",
                        "WEB_SEARCH_CONFIRMATION_CONTENT": "str?",
                    },
                },
                "tasks": {"AUTOCOMPLETE_GENERATION_PROMPT_TEMPLATE": "str"},
            }
        },
    ),
    (
        "0.10.2",
        {
            "bodies": {
                "audio": {"stt": {"OPENAI_API_REQUEST_FORMAT": "str"}},
                "auth": {"ENABLE_MEMORY_SYSTEM_CONTEXT": "bool"},
            }
        },
    ),
    (
        "0.11.0",
        {
            "bodies": {
                "auth": {"CHANNEL_MODEL_RESPONSE_MODE": "str"},
                "permissions": {"access_grants": {"allow_groups": "bool"}, "sharing": {"folders": "bool"}},
                "retrieval": {
                    "CONTENT_EXTRACTION_SUPPORTED_MEDIA_MIME_TYPES": "list?",
                    "web": {"OPENSERP_BASE_URL": "str?"},
                },
            }
        },
    ),
    (
        "0.11.1",
        {
            "bodies": {
                "auth": {"DEFAULT_INTERFACE_SETTINGS": "dict?"},
                "permissions": {"sharing": {"open_chats": "bool"}},
                "retrieval": {"TIKA_SERVER_VERSION": "str?"},
                "tasks": {"TASK_MODEL_PARAMS": "dict?"},
            }
        },
    ),
    (
        "0.11.2",
        {
            "bodies": {
                "models": {"MODEL_ORDER_LIST": "list?"},
                "retrieval": {
                    "ALLOWED_FILE_EXTENSIONS": "list?",
                    "web": {"WEB_SEARCH_DOMAIN_FILTER_LIST": "list?", "YOUTUBE_LOADER_LANGUAGE": "list?"},
                },
            }
        },
    ),
    (
        "0.11.4",
        {
            "bodies": {
                "auth": {"ENABLE_LOGIN_FORM": "bool", "I18N": "dict?"},
                "banner": {"i18n": "dict?"},
                "retrieval": {
                    "web": {
                        "EXA_MAX_CONTENT_LENGTH": "int?",
                        "STAAN_API_KEY": "str?",
                        "STAAN_MARKET": "str?",
                        "STAAN_MAX_SNIPPETS": "int?",
                    }
                },
                "tool_server": {"forward_cookies": "bool"},
            }
        },
    ),
    (
        "0.12.0",
        {
            "bodies": {
                "audio": {
                    "realtime": {
                        "ENABLED": "bool",
                        "MODEL": "str",
                        "OPENAI_API_BASE_URL": "str",
                        "OPENAI_API_KEY": "str",
                        "REALTIME_CALL_PROMPT_TEMPLATE": "str?",
                        "TRANSCRIPTION_MODEL": "str",
                        "VOICE": "str",
                    },
                    "tts": {"REALTIME_TTS_PROMPT_TEMPLATE": "str?"},
                },
                "auth": {
                    "ENABLE_MFA": "bool",
                    "MFA_ALLOW_OAUTH_BYPASS": "bool",
                    "MFA_ALLOW_TRUSTED_HEADER_BYPASS": "bool",
                },
                "retrieval": {"web": {"TAVILY_SEARCH_DEPTH": "str?"}},
                "tasks": {"AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH": "int?"},
            }
        },
    ),
    (
        "0.12.1",
        {
            "bodies": {
                "audio": {"realtime": {"AUTH_TYPE": "str", "INPUT_PARAMS": "dict?", "PROVIDER": "str"}},
                "auth": {"ENABLE_APPS": "bool"},
            }
        },
    ),
    (
        "0.12.3",
        {
            "bodies": {
                "auth": {
                    "ENABLE_ENCRYPTED_CHANNELS": "bool",
                    "SKILL_CONTENT_MAX_CHARS": "int?",
                    "SKILL_PREVIEW_MAX_CHARS": "int?",
                },
                "permissions": {"features": {"encrypted_channels": "bool"}},
            }
        },
    ),
    (
        "0.12.4",
        {
            "bodies": {
                "auth": {"ENABLE_SKILL_LAZY_LOADING": "bool"},
                "permissions": {"workspace": {"models_hidden": "bool"}},
            }
        },
    ),
)

FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("0.6.12", "0.6.12", "0.6.14"),
    ("0.6.14", "0.6.14", "0.6.15"),
    ("0.6.15", "0.6.15", "0.6.19"),
    ("0.6.19", "0.6.19", "0.6.23"),
    ("0.6.23", "0.6.23", "0.6.26"),
    ("0.6.26", "0.6.26", "0.6.27"),
    ("0.6.27", "0.6.27", "0.6.31"),
    ("0.6.31", "0.6.31", "0.6.32"),
    ("0.6.32", "0.6.32", "0.6.33"),
    ("0.6.33", "0.6.33", "0.6.34"),
    ("0.6.34", "0.6.34", "0.6.35"),
    ("0.6.35", "0.6.35", "0.6.37"),
    ("0.6.37", "0.6.37", "0.6.39"),
    ("0.6.39", "0.6.39", "0.6.41"),
    ("0.6.41", "0.6.41", "0.6.42"),
    ("0.6.42", "0.6.42", "0.7.0"),
    ("0.7.0", "0.7.0", "0.8.0"),
    ("0.8.0", "0.8.0", "0.8.2"),
    ("0.8.2", "0.8.2", "0.8.4"),
    ("0.8.4", "0.8.4", "0.8.6"),
    ("0.8.6", "0.8.6", "0.8.9"),
    ("0.8.9", "0.8.9", "0.8.11"),
    ("0.8.11", "0.8.11", "0.9.0"),
    ("0.9.0", "0.9.0", "0.9.2"),
    ("0.9.2", "0.9.2", "0.9.3"),
    ("0.9.3", "0.9.3", "0.9.5"),
    ("0.9.5", "0.9.5", "0.9.6"),
    ("0.9.6", "0.9.6", "0.10.0"),
    ("0.10.0", "0.10.0", "0.10.2"),
    ("0.10.2", "0.10.2", "0.11.0"),
    ("0.11.0", "0.11.0", "0.11.1"),
    ("0.11.1", "0.11.1", "0.11.2"),
    ("0.11.2", "0.11.2", "0.11.4"),
    ("0.11.4", "0.11.4", "0.12.0"),
    ("0.12.0", "0.12.0", "0.12.1"),
    ("0.12.1", "0.12.1", "0.12.3"),
    ("0.12.3", "0.12.3", "0.12.4"),
    ("0.12.4", "0.12.4", "0.13.0"),
)

DUMPED: dict[str, str] = {
    "0.6.12": "0.6.12",
    "0.6.13": "0.6.12",
    "0.6.14": "0.6.14",
    "0.6.15": "0.6.15",
    "0.6.18": "0.6.15",
    "0.6.19": "0.6.19",
    "0.6.20": "0.6.19",
    "0.6.22": "0.6.19",
    "0.6.23": "0.6.23",
    "0.6.24": "0.6.23",
    "0.6.25": "0.6.23",
    "0.6.26": "0.6.26",
    "0.6.27": "0.6.27",
    "0.6.28": "0.6.27",
    "0.6.29": "0.6.27",
    "0.6.30": "0.6.27",
    "0.6.31": "0.6.31",
    "0.6.32": "0.6.32",
    "0.6.33": "0.6.33",
    "0.6.34": "0.6.34",
    "0.6.35": "0.6.35",
    "0.6.36": "0.6.35",
    "0.6.37": "0.6.37",
    "0.6.38": "0.6.37",
    "0.6.39": "0.6.39",
    "0.6.40": "0.6.39",
    "0.6.41": "0.6.41",
    "0.6.42": "0.6.42",
    "0.6.43": "0.6.42",
    "0.7.0": "0.7.0",
    "0.7.2": "0.7.0",
    "0.8.0": "0.8.0",
    "0.8.1": "0.8.0",
    "0.8.2": "0.8.2",
    "0.8.3": "0.8.2",
    "0.8.4": "0.8.4",
    "0.8.5": "0.8.4",
    "0.8.6": "0.8.6",
    "0.8.7": "0.8.6",
    "0.8.8": "0.8.6",
    "0.8.9": "0.8.9",
    "0.8.10": "0.8.9",
    "0.8.11": "0.8.11",
    "0.8.12": "0.8.11",
    "0.9.0": "0.9.0",
    "0.9.1": "0.9.0",
    "0.9.2": "0.9.2",
    "0.9.3": "0.9.3",
    "0.9.4": "0.9.3",
    "0.9.5": "0.9.5",
    "0.9.6": "0.9.6",
    "0.10.0": "0.10.0",
    "0.10.1": "0.10.0",
    "0.10.2": "0.10.2",
    "0.11.0": "0.11.0",
    "0.11.1": "0.11.1",
    "0.11.2": "0.11.2",
    "0.11.3": "0.11.2",
    "0.11.4": "0.11.4",
    "0.12.0": "0.12.0",
    "0.12.1": "0.12.1",
    "0.12.2": "0.12.1",
    "0.12.3": "0.12.3",
    "0.12.4": "0.12.4",
}

SOURCES: dict[str, str] = {
    "0.6.12": "served by a full install of open-webui==0.6.12",
    "0.6.13": "overlay: open-webui==0.6.13 --no-deps over open-webui==0.6.12's virtualenv; added: nothing",
    "0.6.14": "overlay: open-webui==0.6.14 --no-deps over open-webui==0.6.12's virtualenv; added: nothing",
    "0.6.15": "overlay: open-webui==0.6.15 --no-deps over open-webui==0.6.12's virtualenv; added: nothing",
    "0.6.18": "overlay: open-webui==0.6.18 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "pycrdt==0.12.25",
    "0.6.19": "overlay: open-webui==0.6.19 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "oracledb==3.2.0 pycrdt==0.12.25",
    "0.6.20": "overlay: open-webui==0.6.20 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "oracledb==3.2.0 oracledb>=3.2.0 pycrdt==0.12.25",
    "0.6.22": "overlay: open-webui==0.6.22 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "oracledb==3.2.0 oracledb>=3.2.0 pycrdt==0.12.25",
    "0.6.23": "overlay: open-webui==0.6.23 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "oracledb==3.2.0 pycrdt==0.12.25",
    "0.6.24": "overlay: open-webui==0.6.24 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "oracledb==3.2.0 oracledb>=3.2.0 pycrdt==0.12.25",
    "0.6.25": "overlay: open-webui==0.6.25 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "oracledb==3.2.0 pycrdt==0.12.25",
    "0.6.26": "overlay: open-webui==0.6.26 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "oracledb==3.2.0 oracledb>=3.2.0 pycrdt==0.12.25",
    "0.6.27": "overlay: open-webui==0.6.27 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "oracledb==3.2.0 pycrdt==0.12.25",
    "0.6.28": "overlay: open-webui==0.6.28 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "oracledb==3.2.0 pycrdt==0.12.25",
    "0.6.29": "overlay: open-webui==0.6.29 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "oracledb>=3.2.0 pycrdt==0.12.25",
    "0.6.30": "overlay: open-webui==0.6.30 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "pycrdt==0.12.25 oracledb==26.1.0",
    "0.6.31": "overlay: open-webui==0.6.31 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "mcp==1.14.1 pycrdt==0.12.25 starsessions==2.2.1 oracledb==26.1.0 jsonschema==4.26.0 "
    "jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 sse-starlette==3.7.0",
    "0.6.32": "overlay: open-webui==0.6.32 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "mcp==1.14.1 pycrdt==0.12.25 starsessions==2.2.1 oracledb==26.1.0 jsonschema==4.26.0 "
    "jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 sse-starlette==3.7.0",
    "0.6.33": "overlay: open-webui==0.6.33 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "mcp==1.14.1 pycrdt==0.12.25 starsessions==2.2.1 jsonschema==4.26.0 "
    "jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 sse-starlette==3.7.0",
    "0.6.34": "overlay: open-webui==0.6.34 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "mcp==1.14.1 pycrdt==0.12.25 starsessions==2.2.1 jsonschema==4.26.0 "
    "jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 sse-starlette==3.7.0",
    "0.6.35": "overlay: open-webui==0.6.35 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "mcp==1.14.1 pycrdt==0.12.25 starsessions==2.2.1 jsonschema==4.26.0 "
    "jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 sse-starlette==3.7.0 "
    "firecrawl-py==4.5.0",
    "0.6.36": "overlay: open-webui==0.6.36 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "mcp==1.14.1 pycrdt==0.12.25 starsessions==2.2.1 jsonschema==4.26.0 "
    "jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 sse-starlette==3.7.0",
    "0.6.37": "overlay: open-webui==0.6.37 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "mcp==1.21.2 pycrdt==0.12.25 starsessions==2.2.1 jsonschema==4.26.0 "
    "jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 sse-starlette==3.7.0",
    "0.6.38": "overlay: open-webui==0.6.38 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "mcp==1.21.2 pycrdt==0.12.25 starsessions==2.2.1 jsonschema==4.26.0 "
    "jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 sse-starlette==3.7.0",
    "0.6.39": "overlay: open-webui==0.6.39 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "mcp==1.21.2 pycrdt==0.12.25 starsessions==2.2.1 jsonschema==4.26.0 "
    "jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 sse-starlette==3.7.0",
    "0.6.40": "overlay: open-webui==0.6.40 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.0.0 "
    "mcp==1.21.2 pycrdt==0.12.25 starsessions==2.2.1 jsonschema==4.26.0 "
    "jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 sse-starlette==3.7.0",
    "0.6.41": "overlay: open-webui==0.6.41 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.9.2 "
    "mcp==1.22.0 pycrdt==0.12.25 starsessions==2.2.1 socksio==1.0.0 jsonschema==4.26.0 "
    "jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 sse-starlette==3.7.0",
    "0.6.42": "overlay: open-webui==0.6.42 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.10.0 "
    "mcp==1.25.0 pycrdt==0.12.44 python-mimeparse==2.0.0 starsessions==2.2.1 socksio==1.0.0 "
    "jsonschema==4.26.0 jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 "
    "sse-starlette==3.7.0 langchain-classic==1.0.8 langchain-protocol==0.0.20",
    "0.6.43": "overlay: open-webui==0.6.43 --no-deps over open-webui==0.6.12's virtualenv; added: ddgs==9.10.0 "
    "langchain-classic==1.0.0 mcp==1.25.0 pycrdt==0.12.44 python-mimeparse==2.0.0 starsessions==2.2.1 "
    "socksio==1.0.0 jsonschema==4.26.0 jsonschema-specifications==2025.9.1 langchain-protocol==0.0.20 "
    "referencing==0.37.0 rpds-py==2026.9.1 sse-starlette==3.7.0",
    "0.7.0": "overlay: open-webui==0.7.0 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.18.3 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 "
    "unstructured==0.18.24",
    "0.7.2": "overlay: open-webui==0.7.2 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.18.3 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 "
    "unstructured==0.18.24 rsa==4.9.1 ecdsa==0.19.2 backoff==2.2.1 dataclasses-json==0.6.7 "
    "marshmallow==3.26.2 typing-inspect==0.9.0 emoji==2.16.0 filetype==1.2.0 html5lib==1.1 "
    "langdetect==1.0.9 python-iso639==2026.7.23 python-magic==0.4.27 python-oxmsg==0.0.2 "
    "RapidFuzz==3.14.6 unstructured-client==0.46.4 pypdfium2==5.15.2 webencodings==0.6.1 wrapt==2.5.2",
    "0.8.0": "overlay: open-webui==0.8.0 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 "
    "unstructured==0.18.31 rsa==4.9.1 ecdsa==0.19.2 backoff==2.2.1 dataclasses-json==0.6.7 "
    "marshmallow==3.26.2 typing-inspect==0.9.0 emoji==2.16.0 filetype==1.2.0 html5lib==1.1 "
    "langdetect==1.0.9 numba==0.68.1 llvmlite==0.50.0 python-iso639==2026.7.23 python-magic==0.4.27 "
    "python-oxmsg==0.0.2 RapidFuzz==3.14.6 unstructured-client==0.46.4 pypdfium2==5.15.2 "
    "webencodings==0.6.1 wrapt==2.5.2",
    "0.8.1": "overlay: open-webui==0.8.1 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 "
    "unstructured==0.18.31 rsa==4.9.1 ecdsa==0.19.2 backoff==2.2.1 dataclasses-json==0.6.7 "
    "marshmallow==3.26.2 typing-inspect==0.9.0 emoji==2.16.0 filetype==1.2.0 html5lib==1.1 "
    "langdetect==1.0.9 numba==0.68.1 llvmlite==0.50.0 python-iso639==2026.7.23 python-magic==0.4.27 "
    "python-oxmsg==0.0.2 RapidFuzz==3.14.6 unstructured-client==0.46.4 pypdfium2==5.15.2 "
    "webencodings==0.6.1 wrapt==2.5.2",
    "0.8.2": "overlay: open-webui==0.8.2 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 "
    "unstructured==0.18.31 rsa==4.9.1 ecdsa==0.19.2 backoff==2.2.1 dataclasses-json==0.6.7 "
    "marshmallow==3.26.2 typing-inspect==0.9.0 emoji==2.16.0 filetype==1.2.0 html5lib==1.1 "
    "langdetect==1.0.9 numba==0.68.1 llvmlite==0.50.0 python-iso639==2026.7.23 python-magic==0.4.27 "
    "python-oxmsg==0.0.2 RapidFuzz==3.14.6 unstructured-client==0.46.4 pypdfium2==5.15.2 "
    "webencodings==0.6.1 wrapt==2.5.2",
    "0.8.3": "overlay: open-webui==0.8.3 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 "
    "unstructured==0.18.31 rsa==4.9.1 ecdsa==0.19.2 backoff==2.2.1 dataclasses-json==0.6.7 "
    "marshmallow==3.26.2 typing-inspect==0.9.0 emoji==2.16.0 filetype==1.2.0 html5lib==1.1 "
    "langdetect==1.0.9 numba==0.68.1 llvmlite==0.50.0 python-iso639==2026.7.23 python-magic==0.4.27 "
    "python-oxmsg==0.0.2 RapidFuzz==3.14.6 unstructured-client==0.46.4 pypdfium2==5.15.2 "
    "webencodings==0.6.1 wrapt==2.5.2",
    "0.8.4": "overlay: open-webui==0.8.4 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 "
    "unstructured==0.18.31 rsa==4.9.1 ecdsa==0.19.2 backoff==2.2.1 dataclasses-json==0.6.7 "
    "marshmallow==3.26.2 typing-inspect==0.9.0 emoji==2.16.0 filetype==1.2.0 html5lib==1.1 "
    "langdetect==1.0.9 numba==0.68.1 llvmlite==0.50.0 python-iso639==2026.7.23 python-magic==0.4.27 "
    "python-oxmsg==0.0.2 RapidFuzz==3.14.6 unstructured-client==0.46.4 pypdfium2==5.15.2 "
    "webencodings==0.6.1 wrapt==2.5.2",
    "0.8.5": "overlay: open-webui==0.8.5 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 "
    "unstructured==0.18.31 rsa==4.9.1 ecdsa==0.19.2 backoff==2.2.1 dataclasses-json==0.6.7 "
    "marshmallow==3.26.2 typing-inspect==0.9.0 emoji==2.16.0 filetype==1.2.0 html5lib==1.1 "
    "langdetect==1.0.9 numba==0.68.1 llvmlite==0.50.0 python-iso639==2026.7.23 python-magic==0.4.27 "
    "python-oxmsg==0.0.2 RapidFuzz==3.14.6 unstructured-client==0.46.4 pypdfium2==5.15.2 "
    "webencodings==0.6.1 wrapt==2.5.2",
    "0.8.6": "overlay: open-webui==0.8.6 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 "
    "unstructured==0.18.31 rsa==4.9.1 ecdsa==0.19.2 backoff==2.2.1 dataclasses-json==0.6.7 "
    "marshmallow==3.26.2 typing-inspect==0.9.0 emoji==2.16.0 filetype==1.2.0 html5lib==1.1 "
    "langdetect==1.0.9 numba==0.68.1 llvmlite==0.50.0 python-iso639==2026.7.23 python-magic==0.4.27 "
    "python-oxmsg==0.0.2 RapidFuzz==3.14.6 unstructured-client==0.46.4 pypdfium2==5.15.2 "
    "webencodings==0.6.1 wrapt==2.5.2",
    "0.8.7": "overlay: open-webui==0.8.7 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 "
    "unstructured==0.18.31 rsa==4.9.1 ecdsa==0.19.2 backoff==2.2.1 dataclasses-json==0.6.7 "
    "marshmallow==3.26.2 typing-inspect==0.9.0 emoji==2.16.0 filetype==1.2.0 html5lib==1.1 "
    "langdetect==1.0.9 numba==0.68.1 llvmlite==0.50.0 python-iso639==2026.7.23 python-magic==0.4.27 "
    "python-oxmsg==0.0.2 RapidFuzz==3.14.6 unstructured-client==0.46.4 pypdfium2==5.15.2 "
    "webencodings==0.6.1 wrapt==2.5.2",
    "0.8.8": "overlay: open-webui==0.8.8 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 "
    "unstructured==0.18.31 rsa==4.9.1 ecdsa==0.19.2 backoff==2.2.1 dataclasses-json==0.6.7 "
    "marshmallow==3.26.2 typing-inspect==0.9.0 emoji==2.16.0 filetype==1.2.0 html5lib==1.1 "
    "langdetect==1.0.9 numba==0.68.1 llvmlite==0.50.0 python-iso639==2026.7.23 python-magic==0.4.27 "
    "python-oxmsg==0.0.2 RapidFuzz==3.14.6 unstructured-client==0.46.4 pypdfium2==5.15.2 "
    "webencodings==0.6.1 wrapt==2.5.2",
    "0.8.9": "overlay: open-webui==0.8.9 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 "
    "unstructured==0.18.31",
    "0.8.10": "overlay: open-webui==0.8.10 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 "
    "unstructured==0.18.31 rsa==4.9.1 ecdsa==0.19.2 backoff==2.2.1 dataclasses-json==0.6.7 "
    "marshmallow==3.26.2 typing-inspect==0.9.0 emoji==2.16.0 filetype==1.2.0 html5lib==1.1 "
    "langdetect==1.0.9 numba==0.68.1 llvmlite==0.50.0 python-iso639==2026.7.23 python-magic==0.4.27 "
    "python-oxmsg==0.0.2 RapidFuzz==3.14.6 unstructured-client==0.46.4 pypdfium2==5.15.2 "
    "webencodings==0.6.1 wrapt==2.5.2",
    "0.8.11": "overlay: open-webui==0.8.11 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 rsa==4.9.1 "
    "ecdsa==0.19.2",
    "0.8.12": "overlay: open-webui==0.8.12 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 rsa==4.9.1 "
    "ecdsa==0.19.2",
    "0.9.0": "overlay: open-webui==0.9.0 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 rsa==4.9.1 "
    "ecdsa==0.19.2",
    "0.9.1": "overlay: open-webui==0.9.1 --no-deps over open-webui==0.11.0's virtualenv; added: asyncpg==0.30.0 "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 rsa==4.9.1 "
    "ecdsa==0.19.2",
    "0.9.2": "overlay: open-webui==0.9.2 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 rsa==4.9.1 "
    "ecdsa==0.19.2",
    "0.9.3": "overlay: open-webui==0.9.3 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 rsa==4.9.1 "
    "ecdsa==0.19.2",
    "0.9.4": "overlay: open-webui==0.9.4 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 rsa==4.9.1 "
    "ecdsa==0.19.2",
    "0.9.5": "overlay: open-webui==0.9.5 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 rsa==4.9.1 "
    "ecdsa==0.19.2",
    "0.9.6": "overlay: open-webui==0.9.6 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "peewee-migrate==1.14.3 peewee==3.19.0 python-jose==3.5.0 rapidocr-onnxruntime==1.4.4 rsa==4.9.1 "
    "ecdsa==0.19.2",
    "0.10.0": "overlay: open-webui==0.10.0 --no-deps over an installed release's virtualenv (dumped before the "
    "harness recorded the base and what it added)",
    "0.10.1": "overlay: open-webui==0.10.1 --no-deps over open-webui==0.11.0's virtualenv; added: "
    "python-jose==3.5.0 rapidocr-onnxruntime==1.4.4",
    "0.10.2": "overlay: open-webui==0.10.2 --no-deps over an installed release's virtualenv (dumped before the "
    "harness recorded the base and what it added)",
    "0.11.0": "served by a full install of open-webui==0.11.0",
    "0.11.1": "overlay: open-webui==0.11.1 --no-deps over an installed release's virtualenv (dumped before the "
    "harness recorded the base and what it added)",
    "0.11.2": "overlay: open-webui==0.11.2 --no-deps over open-webui==0.11.0's virtualenv; added: python-docx==1.2.0",
    "0.11.3": "overlay: open-webui==0.11.3 --no-deps over open-webui==0.11.0's virtualenv; added: python-docx==1.2.0",
    "0.11.4": "overlay: open-webui==0.11.4 --no-deps over an installed release's virtualenv (dumped before the "
    "harness recorded the base and what it added)",
    "0.12.0": "overlay: open-webui==0.12.0 --no-deps over an installed release's virtualenv (dumped before the "
    "harness recorded the base and what it added)",
    "0.12.1": "overlay: open-webui==0.12.1 --no-deps over an installed release's virtualenv (dumped before the "
    "harness recorded the base and what it added)",
    "0.12.2": "overlay: open-webui==0.12.2 --no-deps over an installed release's virtualenv (dumped before the "
    "harness recorded the base and what it added)",
    "0.12.3": "overlay: open-webui==0.12.3 --no-deps over an installed release's virtualenv (dumped before the "
    "harness recorded the base and what it added)",
    "0.12.4": "served by a full install of open-webui==0.12.4",
}

UNCOVERED: tuple[str, ...] = ()
