#include "emulator/tls_material.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <system_error>

namespace swr::emulator_detail {

namespace {

namespace fs = std::filesystem;

constexpr long seconds_per_day = 24 * 3600;
constexpr long validity_days = 365;

struct pkey_free {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct x509_free {
    void operator()(X509* certificate) const { X509_free(certificate); }
};
struct bignum_free {
    void operator()(BIGNUM* number) const { BN_free(number); }
};
struct file_close {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;
using bignum_ptr = std::unique_ptr<BIGNUM, bignum_free>;
using file_ptr = std::unique_ptr<std::FILE, file_close>;

// Throws with `what` and the oldest queued OpenSSL error, then clears the queue.
[[noreturn]] void throw_openssl_error(const std::string& what)
{
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    std::string reason = "unknown OpenSSL error";
    if (code != 0) {
        std::array<char, 256> text{};
        ERR_error_string_n(code, text.data(), text.size());
        reason = text.data();
    }
    throw std::runtime_error("TLS setup: " + what + " failed: " + reason);
}

pkey_ptr generate_p256_key()
{
    pkey_ptr key(EVP_EC_gen("P-256"));
    if (!key) {
        throw_openssl_error("generating an EC P-256 key");
    }
    return key;
}

void add_extension(X509* subject, X509* issuer, int nid, const char* value)
{
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer, subject, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    if (extension == nullptr) {
        throw_openssl_error(std::string("creating extension ") + OBJ_nid2sn(nid) + "=" + value);
    }
    int added = X509_add_ext(subject, extension, -1);
    X509_EXTENSION_free(extension);
    if (added != 1) {
        throw_openssl_error(std::string("adding extension ") + OBJ_nid2sn(nid));
    }
}

void set_random_serial(X509* certificate)
{
    // 16 random bytes with the top bit cleared keep the serial positive.
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw_openssl_error("generating a serial number");
    }
    bytes[0] &= 0x7F;
    bignum_ptr number(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
    if (!number || BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(certificate)) == nullptr) {
        throw_openssl_error("setting a serial number");
    }
}

// Creates a certificate for `subject_key` named `common_name`, valid from one
// day ago for `validity_days`, without extensions and unsigned.
x509_ptr new_certificate(EVP_PKEY* subject_key, const char* common_name)
{
    x509_ptr certificate(X509_new());
    if (!certificate || X509_set_version(certificate.get(), 2) != 1) {
        throw_openssl_error("creating a certificate");
    }
    set_random_serial(certificate.get());

    if (X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -seconds_per_day) == nullptr ||
        X509_gmtime_adj(X509_getm_notAfter(certificate.get()), validity_days * seconds_per_day) == nullptr) {
        throw_openssl_error("setting the validity period");
    }

    X509_NAME* name = X509_get_subject_name(certificate.get());
    auto text = reinterpret_cast<const unsigned char*>(common_name);
    if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("swr-async emulator"), -1, -1, 0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, text, -1, -1, 0) != 1) {
        throw_openssl_error("setting the subject name");
    }
    if (X509_set_pubkey(certificate.get(), subject_key) != 1) {
        throw_openssl_error("setting the public key");
    }
    return certificate;
}

void sign(X509* certificate, X509* issuer, EVP_PKEY* issuer_key)
{
    if (X509_set_issuer_name(certificate, X509_get_subject_name(issuer)) != 1) {
        throw_openssl_error("setting the issuer name");
    }
    if (X509_sign(certificate, issuer_key, EVP_sha256()) == 0) {
        throw_openssl_error("signing a certificate");
    }
}

// Writes a file through a temporary name in the same directory, then renames
// it, so the final name refers to either nothing or the whole content.
template <typename Write>
void write_file_atomically(const fs::path& path, mode_t mode, Write write)
{
    std::string temporary = path.string() + ".XXXXXX";
    int descriptor = ::mkstemp(temporary.data());
    if (descriptor < 0) {
        throw std::system_error(errno, std::generic_category(), "TLS setup: cannot create " + temporary);
    }
    if (::fchmod(descriptor, mode) != 0) {
        int error = errno;
        ::close(descriptor);
        ::unlink(temporary.c_str());
        throw std::system_error(error, std::generic_category(), "TLS setup: cannot set the mode of " + temporary);
    }

    file_ptr file(::fdopen(descriptor, "w"));
    if (!file) {
        int error = errno;
        ::close(descriptor);
        ::unlink(temporary.c_str());
        throw std::system_error(error, std::generic_category(), "TLS setup: cannot open " + temporary);
    }

    bool written = write(file.get()) && std::fflush(file.get()) == 0 && ::fsync(descriptor) == 0;
    int closed = std::fclose(file.release());
    if (!written || closed != 0) {
        ::unlink(temporary.c_str());
        throw_openssl_error("writing " + path.string());
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        int error = errno;
        ::unlink(temporary.c_str());
        throw std::system_error(error, std::generic_category(),
                                "TLS setup: cannot rename " + temporary + " to " + path.string());
    }
}

void create_tls_files(const tls_files& files)
{
    // The CA signs itself.
    pkey_ptr ca_key = generate_p256_key();
    x509_ptr ca = new_certificate(ca_key.get(), "swr-async emulator throwaway CA");
    add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
    sign(ca.get(), ca.get(), ca_key.get());

    // The server certificate is for loopback only.
    pkey_ptr server_key = generate_p256_key();
    x509_ptr server = new_certificate(server_key.get(), "localhost");
    add_extension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
    add_extension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth");
    add_extension(server.get(), ca.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
    add_extension(server.get(), ca.get(), NID_subject_key_identifier, "hash");
    add_extension(server.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
    sign(server.get(), ca.get(), ca_key.get());

    // The CA certificate is written last: its presence marks a complete set.
    write_file_atomically(files.private_key, 0600, [&](std::FILE* file) {
        return PEM_write_PrivateKey(file, server_key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
    });
    write_file_atomically(files.certificate_chain, 0644, [&](std::FILE* file) {
        return PEM_write_X509(file, server.get()) == 1 && PEM_write_X509(file, ca.get()) == 1;
    });
    write_file_atomically(files.ca_certificate, 0644,
                          [&](std::FILE* file) { return PEM_write_X509(file, ca.get()) == 1; });
}

}  // namespace

tls_files tls_file_paths(const std::string& directory)
{
    fs::path root = fs::absolute(fs::path(directory)).lexically_normal();
    return {(root / "ca.pem").string(), (root / "server.pem").string(), (root / "server.key").string()};
}

tls_files prepare_tls_files(const std::string& directory)
{
    tls_files files = tls_file_paths(directory);
    fs::path root = fs::path(files.ca_certificate).parent_path();

    // All three present: reuse. Some present: refuse to guess which belong together.
    std::error_code ignored;
    std::array<const std::string*, 3> paths = {&files.ca_certificate, &files.certificate_chain,
                                                &files.private_key};
    std::string present;
    std::string missing;
    for (const std::string* path : paths) {
        std::string& list = fs::exists(*path, ignored) ? present : missing;
        list += (list.empty() ? "" : ", ") + fs::path(*path).filename().string();
    }
    if (missing.empty()) {
        return files;
    }
    if (!present.empty()) {
        throw std::runtime_error("TLS directory " + root.string() + " contains " + present + " but not " +
                                 missing + "; delete the remaining files to have new ones created, "
                                           "or supply all three");
    }

    std::error_code error;
    if (fs::create_directories(root, error)) {
        fs::permissions(root, fs::perms::owner_all, fs::perm_options::replace, error);
    }
    if (error || !fs::is_directory(root, ignored)) {
        throw std::runtime_error("TLS directory " + root.string() + " cannot be created" +
                                 (error ? ": " + error.message() : std::string()));
    }
    create_tls_files(files);
    return files;
}

}  // namespace swr::emulator_detail
