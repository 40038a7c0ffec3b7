#include "options.hpp"

#include <string>

namespace swr::cli {

std::string help_text()
{
    return R"(Usage: swr-shared-repos (--endpoint URL | --region NAME) --center self|thirdparty
                        [--format FORMAT] [--output FILE] [options]

Lists Huawei Cloud SWR repositories shared by your account (self) or with it
(thirdparty), using GET /v2/manage/shared-repositories. Pages are fetched
concurrently and each one is written to standard output (or --output FILE) as
soon as it can be written in order, so memory use does not grow with the size
of the listing.

Connection (one of --endpoint and --region is required; there is no default):
  --endpoint URL            HTTPS origin of the API, e.g. https://127.0.0.1:8443.
                            No default.
  --region NAME             Region such as cn-north-4; connects to
                            https://swr-api.NAME.myhuaweicloud.com
                            (eu-west-101: https://swr-api.eu-west-101.myhuaweicloud.eu).
                            No default.
  --ca-file PATH            PEM file of CA certificates to trust instead of the
                            system store. The server name is always verified.
                            Default: the system store.
  --connect-timeout-ms N    Limit for the TCP connect and, separately, for the TLS
                            handshake, in milliseconds, 1 to 600000. Default: 10000.
  --request-timeout-ms N    Limit for sending one request and reading its response,
                            in milliseconds, 1 to 3600000. Default: 30000.

HTTP proxy (for SWR and IAM; TLS runs end to end through a CONNECT tunnel):
  --proxy URL               Proxy as http://[USER@]HOST[:PORT]; port 80 when
                            none is given. Default: https_proxy, else HTTPS_PROXY,
                            which may also carry USER:PASSWORD. Only http://
                            proxies with Basic authentication are supported.
                            http_proxy and ALL_PROXY are not read.
  --proxy-password-file PATH
                            File containing the proxy password of the user named
                            in --proxy or HTTPS_PROXY; only a trailing line
                            ending is removed. A password in --proxy is rejected.
                            Default: the password in HTTPS_PROXY, if any.
  --no-proxy LIST           Hosts reached without the proxy, separated by commas:
                            names (also matching subdomains), IP addresses,
                            ranges such as 10.0.0.0/8, HOST:PORT, or * for all.
                            An empty LIST proxies every host. Default: no_proxy,
                            else NO_PROXY.
  The connect timeout covers the proxy's response to CONNECT. A proxy
  response of 502, 503 or 504, or a closed connection, is retried; 407 exits with
  status 3, other rejections with status 1.

Authentication (one source is used: the first of these that is given):
  1. Options: --token-file, --ak with --sk-file, or --iam-user with
     --iam-domain. Options of two of these sources are rejected.
  2. AK/SK in the official SDKs' environment variables HUAWEICLOUD_SDK_AK and
     HUAWEICLOUD_SDK_SK (both required), with HUAWEICLOUD_SDK_PROJECT_ID and,
     for temporary credentials, HUAWEICLOUD_SDK_SECURITY_TOKEN.
  3. The IAM token in the environment variable SWR_AUTH_TOKEN.
  So options beat the environment (--token-file beats SWR_AUTH_TOKEN and
  HUAWEICLOUD_SDK_AK), and HUAWEICLOUD_SDK_AK beats SWR_AUTH_TOKEN. Within a
  source, an option beats the variable for the same value: --project-id beats
  HUAWEICLOUD_SDK_PROJECT_ID, and --iam-password-file beats SWR_IAM_PASSWORD.
  An empty variable counts as unset. Spaces, tabs and line endings around a
  token, AK, SK, security token or project id are ignored, in files and
  variables alike; a variable that contains nothing else is rejected as
  blank. A password keeps its spaces, but one of spaces only is rejected.
  With --endpoint, an IAM login needs a project: --iam-project, --project-id
  or HUAWEICLOUD_SDK_PROJECT_ID. --log-level info names the source used and
  the credential variables that are set but not used.
  No secret (token, SK, security token, password) is accepted as an argument,
  because arguments are visible to other users, and none is ever written to
  the output, the logs or error messages.
  --token-file PATH         File containing an IAM token; trailing spaces and
                            line endings are ignored. After a 401 the file is
                            read again, and if the token in it changed the
                            request is sent once more, so a process that
                            rewrites the file can renew the token during a
                            long scan. Default: SWR_AUTH_TOKEN, in the order
                            above.
  --ak AK                   Access key (AK): sign requests with AK/SK
                            (SDK-HMAC-SHA256); printable ASCII without
                            spaces. Requires --sk-file. The
                            HUAWEICLOUD_SDK_AK, _SK and _SECURITY_TOKEN
                            variables are then not used. Default:
                            HUAWEICLOUD_SDK_AK, as ordered above.
  --sk-file PATH            File containing the secret key (SK) of --ak; spaces
                            and line endings around it are ignored. Required
                            with --ak; no default.
  --security-token-file PATH
                            File containing the security token of temporary
                            AK/SK credentials; requires --ak. Default: none.
  --project-id ID           AK/SK: the project id sent in X-Project-Id,
                            required. IAM: the id of the project the token
                            is scoped to. Default, for both:
                            HUAWEICLOUD_SDK_PROJECT_ID.
  --iam-user NAME           Obtain IAM tokens with this user's password (POST
                            /v3/auth/tokens). Requires --iam-domain. Default:
                            none, no password authentication.
  --iam-domain NAME         Account (domain) name that owns the IAM user.
                            Required with --iam-user; no default.
  --iam-password-file PATH  File containing the IAM user's password; only a
                            trailing line ending is removed. Default: the
                            environment variable SWR_IAM_PASSWORD.
  --iam-project NAME        Project name the token is scoped to, instead of
                            --project-id. Default: the project id of
                            --project-id or HUAWEICLOUD_SDK_PROJECT_ID, else
                            the --region name; with --endpoint one of the
                            three is required.
  --iam-endpoint URL        HTTPS origin of IAM. Default with --region:
                            https://iam.REGION.myhuaweicloud.com; required with
                            --endpoint. IAM connections use the same --ca-file
                            and timeouts.
  AK/SK: a request rejected because its signing date is more than 15 minutes
  from the server's clock is signed once more, with the clock skew measured
  from the response's Date header; the error names the skew if that fails
  too. Other signature failures are not sent again, because Huawei Cloud
  locks an access key after 5 consecutive failures.
  IAM password: a token is obtained before the first request and renewed 10
  minutes before it expires. After a 401, requests in flight share one new
  token and are sent once more; a new token that is rejected too ends the
  scan. A rejected password is not tried again, because IAM locks a user
  after repeated failed logins.

What to list:
  --center self|thirdparty  Required. self: repositories you share with others;
                            thirdparty: repositories others share with you.
  --name NAME               Only repositories with this name. Default: all.
  --namespace NAME          Only repositories in this namespace. Default: all.
  --order-column COLUMN     Sort by updated_at, name, tag_count, namespace or
                            domain_name. Default: the server's order.
  --order-type asc|desc     Sort direction; requires --order-column. Default:
                            not sent, so the server's direction.
  --query-form FORM         filter: one filter=center::...|limit::... parameter, as
                            the API reference documents (default); separate: one
                            parameter per field, as the official SDKs send.
  --page-size N             Records per request, 1 to 1000. Default: 100.
  --start-offset N          Offset of the first record, 0 or more, e.g. the offset
                            printed by a failed run. Default: 0.

Throughput:
  --concurrency N           Requests in flight at once, 1 to 256; as many
                            connections open while the first page is requested.
                            Default: 4.
  --speculative-pages N     Pages requested together with the first, before the
                            total is known, 0 to 255 and below --concurrency.
                            Saves one round trip; pages past the end of the
                            listing are dropped. Default: 0.
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
  --output FILE             Write the listing to FILE instead of standard
                            output; - is standard output (the default). FILE is
                            written under a temporary name in its directory and
                            renamed into place only when the listing is
                            complete, so it is never left cut short. After a
                            failure or an interruption, the records received
                            are kept in FILE.partial (when there are any) and
                            FILE is left as it was. A complete listing removes
                            an old FILE.partial. An existing FILE keeps its
                            permission bits; a symbolic link is followed.
  --progress WHEN           auto: draw a progress line on standard error while
                            it is a terminal and the listing does not go to one
                            (the default); always: also into a file or pipe;
                            never. The line shows a bar and percentage, pages,
                            items, requests per second and the estimated time
                            left, and is redrawn at most 10 times a second.
  -q, --quiet               No progress line, and no summary line after a
                            complete listing. Errors and the summary of an
                            incomplete listing are still written.
  --log-level LEVEL         trace, debug, info, warning, error or off: the lowest
                            level of library messages written to standard error.
                            Use warning to see each retry as it happens.
                            Default: off (the error that ends a scan is always
                            reported).
  -h, --help                Print this help and exit.
  --version                 Print the version and exit.

Standard error shows the progress line (see --progress) and a summary line at
the end. After a failure the summary names the --start-offset to resume from.
The first SIGINT (Ctrl-C) or SIGTERM cancels the requests in flight and keeps
what was received; a second one exits at once.

Exit status:
  0    the listing is complete
  1    the scan failed: network, TLS, timeout or server error, or writing the
       output failed
  2    invalid usage: unknown option, missing or invalid value, missing or
       unreadable credentials, or an --output FILE that cannot be created
  3    authentication failed: the server answered 401 or 403 (other than
       throttling), IAM rejected the user name or password, or the proxy
       answered 407
  4    the listing is incomplete, or it changed during the scan
  130  interrupted by SIGINT; the records received before were written, or
       kept in FILE.partial with --output
  143  terminated by SIGTERM; as for 130
)";
}

}  // namespace swr::cli
