#include <curl/curl.h>
#include <jansson.h>
#include <string.h>
#include "ly_avro.h"
#include "ly_output.h"
#include "ly_registry.h"

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
    ly_buf_put(userdata, data, size * n);
    return ((ly_buf *)userdata)->oom ? 0 : size * n;
}

/* POST /subjects/<subject>/versions {"schema": "..."} -> {"id": N} */
static int register_one(CURL *curl, const char *base, const char *subject, const char *schema, int64_t *id,
                        char *errstr, size_t errlen)
{
    char url[1024];
    size_t blen = strlen(base);
    snprintf(url, sizeof url, "%.*s/subjects/%s/versions", (int)(blen && base[blen - 1] == '/' ? blen - 1 : blen),
             base, subject);
    json_t *req = json_pack("{s:s}", "schema", schema);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    ly_buf resp = {0};
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/vnd.schemaregistry.v1+json");
    long status = 0;
    int rc = -1;
    if (body && headers) {
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
        CURLcode cc = curl_easy_perform(curl);
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        json_error_t e;
        json_t *j = cc == CURLE_OK && resp.data ? json_loadb(resp.data, resp.len, 0, &e) : NULL;
        json_t *jid = j ? json_object_get(j, "id") : NULL;
        if (cc != CURLE_OK)
            snprintf(errstr, errlen, "schema registry %s: %s", url, curl_easy_strerror(cc));
        else if (status != 200 || !json_is_integer(jid))
            snprintf(errstr, errlen, "schema registry %s: HTTP %ld: %.200s", url, status, resp.data ? resp.data : "");
        else {
            *id = json_integer_value(jid);
            rc = 0;
        }
        json_decref(j);
    } else {
        snprintf(errstr, errlen, "schema registry: out of memory");
    }
    curl_slist_free_all(headers);
    free(body);
    ly_buf_free(&resp);
    return rc;
}

int ly_registry_register(ly_config *cfg, char *errstr, size_t errlen)
{
    if (!cfg->schema_registry_url[0])
        return 0;
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(errstr, errlen, "schema registry: cannot initialise libcurl");
        return -1;
    }
    int rc = 0;
    for (int r = 0; r < LY_T_COUNT && rc == 0; r++) {
        const char *schema = ly_avro_schema_json((ly_topic_role)r);
        if (!schema)
            continue;
        char subject[LY_CONFIG_STR + 8];
        snprintf(subject, sizeof subject, "%s-value", cfg->topics[r]);
        rc = register_one(curl, cfg->schema_registry_url, subject, schema, &cfg->schema_ids[r], errstr, errlen);
    }
    curl_easy_cleanup(curl);
    return rc;
}
