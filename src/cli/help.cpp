#include "options.hpp"

#include <string>

namespace swr::cli {

std::string help_text()
{
    return R"(Usage: swr-shared-repos (--endpoint URL | --region NAME) --center self|thirdparty [options]

Lists Huawei Cloud SWR repositories shared by your account (self) or with it
(thirdparty), using GET /v2/manage/shared-repositories. Pages are fetched
concurrently and each one is written to standard output as soon as it can be
written in order, so memory use does not grow with the size of the listing.

Connection (one of --endpoint and --region is required; there is no default):
  --endpoint URL            HTTPS origin of the API, e.g. https://127.0.0.1:8443.
  --region NAME             Region such as cn-north-4; connects to
                            https://swr-api.NAME.myhuaweicloud.com
                            (eu-west-101: https://swr-api.eu-west-101.myhuaweicloud.eu).
  --ca-file PATH            PEM file of CA certificates to trust instead of the
                            system store. The server name is always verified.
  --connect-timeout-ms N    Limit for the TCP connect and, separately, for the TLS
                            handshake, in milliseconds, 1 to 600000. Default: 10000.
  --request-timeout-ms N    Limit for sending one request and reading its response,
                            in milliseconds, 1 to 3600000. Default: 30000.

Authentication:
  The IAM token is read from the file named by --token-file if given, otherwise
  from the environment variable SWR_AUTH_TOKEN: the file wins when both are set.
  Trailing spaces and line endings in the file are ignored. After a 401 the file
  is read again, and if the token in it changed the request is sent once more,
  so a process that rewrites the file can renew the token during a long scan.
  The token is not accepted as an argument, because arguments are visible to
  other users, and it is never written to the output, the logs or error
  messages.
  --token-file PATH         File containing the token.

What to list:
  --center self|thirdparty  Required. self: repositories you share with others;
                            thirdparty: repositories others share with you.
  --name NAME               Only repositories with this name.
  --namespace NAME          Only repositories in this namespace.
  --order-column COLUMN     Sort by updated_at, name, tag_count, namespace or
                            domain_name. Default: the server's order.
  --order-type asc|desc     Sort direction; requires --order-column.
  --query-form FORM         filter: one filter=center::...|limit::... parameter, as
                            the API reference documents (default); separate: one
                            parameter per field, as the official SDKs send.
  --page-size N             Records per request, 1 to 1000. Default: 100.
  --start-offset N          Offset of the first record, 0 or more, e.g. the offset
                            printed by a failed run. Default: 0.

Throughput:
  --concurrency N           Requests in flight at once, 1 to 256. Default: 4.
  --rate R                  Requests per second on average, greater than 0 and at
                            most 100000. Default: no limit.
  --burst B                 Requests that may start at once after an idle period,
                            1 to 100000; requires --rate. Default: 1.
  --max-attempts N          Attempts per request, the first included, 1 to 100;
                            1 disables retries. Connection failures, timeouts,
                            HTTP 500, 502, 503, 504 and throttling are retried
                            with exponential backoff, for at most 2 minutes per
                            request; the summary counts the retries. Default: 5.

Output:
  --format FORMAT           table: aligned columns NAMESPACE, NAME, TAGS, SIZE,
                              DOWNLOADS, UPDATED_AT (the default); column widths
                              come from the first page, and longer values later
                              push the rest of their row to the right;
                            ndjson: one JSON object per line with every field;
                            json: one JSON array, written item by item. After a
                              failure the array is left unclosed, so a partial
                              listing is not valid JSON;
                            csv: RFC 4180 with a header row and CRLF line endings;
                              tags joined with ';'.
  --log-level LEVEL         trace, debug, info, warning, error or off: the lowest
                            level of library messages written to standard error.
                            Use warning to see each retry as it happens.
                            Default: off (the error that ends a scan is always
                            reported).
  -h, --help                Print this help and exit.
  --version                 Print the version and exit.

Standard error shows a progress line while it is a terminal and standard
output is not, and a summary line at the end. After a failure it names the --start-offset to resume
from.

Exit status:
  0    the listing is complete
  1    the scan failed: network, TLS, timeout or server error, or writing the
       output failed
  2    invalid usage: unknown option, missing or invalid value, missing token
  3    authentication failed: the server answered 401 or 403 (other than
       throttling)
  4    the listing is incomplete, or it changed during the scan
  130  interrupted by SIGINT; the records received before were written
)";
}

}  // namespace swr::cli
