#ifndef SWR_EMULATOR_TLS_MATERIAL_HPP
#define SWR_EMULATOR_TLS_MATERIAL_HPP

// The emulator's throwaway certificate authority and server certificate.

#include <string>

namespace swr::emulator_detail {

/// Absolute paths of the three TLS files.
struct tls_files {
    std::string ca_certificate;      ///< `ca.pem`: the CA certificate clients trust.
    std::string certificate_chain;   ///< `server.pem`: server certificate, then the CA certificate.
    std::string private_key;         ///< `server.key`: the server's private key, mode 0600.
};

/// Returns the absolute paths of the three files in `directory`, without I/O
/// beyond reading the current directory.
tls_files tls_file_paths(const std::string& directory);

/// Makes sure `directory` contains `ca.pem`, `server.pem` and `server.key`.
///
/// When none exists, creates the directory (mode 0700) if needed and writes
/// a new EC P-256 CA (basicConstraints CA:TRUE, keyUsage keyCertSign). The
/// server certificate it signs is for DNS:localhost, IP:127.0.0.1 and IP:::1
/// (extendedKeyUsage serverAuth), valid from 1 day ago for 365 days. The CA's
/// private key is discarded, so nothing else can be signed with it.
/// When all three exist they are used as they are. Each file is written to a
/// temporary name and renamed, so a crash never leaves a partial file.
///
/// @throws std::runtime_error when only some of the files exist, or when a
/// file or the directory cannot be created; the message names the path.
tls_files prepare_tls_files(const std::string& directory);

}  // namespace swr::emulator_detail

#endif
