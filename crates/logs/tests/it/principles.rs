//! The diagnosis principles of issue #13, each held to excerpts of real logs from the tuned part
//! of the corpus (`corpus/real/tuned/NNN.log`; the source thread is in `corpus/real/index`), and
//! to the counter-case that must not fire. Expectations come from what the threads established,
//! not from the tool's output.

use crate::support::{answer, assert_decided, assert_not_decided_by};
use rd_logs::{Family, Outcome, diagnose_bytes};

/// corpus/real/tuned/232.log (tihmstar/futurerestore#61): a blob saved for 10.2.1 (14D27) given
/// with the 10.2 (14C92) IPSW; the maintainer closed it as user error.
const BLOB_OTHER_BUILD: &str = "\
$ ./futurerestore_macos -t ****_iPhone7,1_n56ap_10.2.1-14D27.shsh2 -b Mav10-5.32.00.Release.bbfw -p BuildManifest.plist -s sep-firmware.n56.RELEASE.im4p -m BuildManifest.plist iPhone_5.5_10.2_14C92_Restore.ipsw
Version: b35d3e1245da49950028d753b1bdb40fce5d21d5 - 90
futurerestore init done
reading ticket ****_iPhone7,1_n56ap_10.2.1-14D27.shsh2 done
[TSSC] opening BuildManifest.plist
ERROR: Unable to get BasebandFirmware node
ERROR: Unable to find required BbGoldCertId in parameters
Done: restoring failed.
";

#[test]
fn a_blob_for_another_build_than_the_ipsw_is_signing() {
    assert_eq!(answer(BLOB_OTHER_BUILD).outcome, Outcome::Failure);
    assert_decided(BLOB_OTHER_BUILD, Family::Signing, "tss.blob_other_build");
    // The same run with the IPSW of the blob's own build: the blob is not the cause.
    let same = BLOB_OTHER_BUILD.replace("iPhone_5.5_10.2_14C92", "iPhone_5.5_10.2.1_14D27");
    assert_not_decided_by(&same, "tss.blob_other_build");
    // A blob a wrapper names on its own line, with an IPSW of another build elsewhere (lines of
    // corpus/real/tuned/718.log, a Legacy-iOS-Kit run, with the IPSW's build changed): wrappers
    // keep blobs of a base build for custom IPSWs, so that alone does not count.
    let alone = "\
Archive:  ../iPhone_4.0_64bit_12.5.7_16H81_Restore.ipsw
[Log] Found existing saved 10.3.3 blobs: ../saved/shsh/****_iPhone6,2_n53ap_10.3.3-14G60_3a88b7c3802f2f0510abc432104a15ebd8bd7154.shsh2
[Error] Restoring failed
";
    assert_not_decided_by(alone, "tss.blob_other_build");
}

#[test]
fn a_download_helper_losing_its_connection_is_network() {
    // corpus/real/tuned/322.log (LukeZGD/Legacy-iOS-Kit#1071): the poster's network needed a
    // proxy that curl/aria2 did not use.
    let log = "\
 [ERROR] CUID#7 - Download aborted. URI=https://api.appledb.dev/ios/iOS;10B329.json
Exception: [../.././src/AbstractCommand.cc:340] errorCode=2 Timeout.
curl: (56) OpenSSL SSL_read: SSL_ERROR_SYSCALL, errno 0
";
    assert_decided(log, Family::Network, "net.transfer_error");
    // A certificate refusal is not a lost connection (curl 60 is the tool's CA bundle or
    // interception, other rules).
    assert_not_decided_by(
        "curl: (60) SSL certificate problem: unable to get local issuer certificate\nERROR: Unable to download\n",
        "net.transfer_error",
    );
}

#[test]
fn apples_personalization_failure_is_the_signing_step() {
    // corpus/real/tuned/725.log (xsscx/srd#22): Finder's restore declined by TSS.
    assert_decided(
        "[09:12:05.0788] Depth:0 Code:4028 Error:Personalization failed\n",
        Family::Signing,
        "tss.personalization_failed",
    );
}

#[test]
fn a_device_seen_in_no_mode_is_usb_and_one_in_the_wrong_mode_is_device_state() {
    // corpus/real/tuned/713.log (LukeZGD/Legacy-iOS-Kit#203): the tool searched every mode.
    let none = "\
[Log] Finding device in Normal mode... 
[Log] Finding device in DFU/recovery mode... 
[Error] No device detected. Please put the device in normal mode before proceeding. 
";
    assert_decided(none, Family::Usb, "usb.not_seen");
    // corpus/real/tuned/437.log (tihmstar/futurerestore#73): inside a VM, no device in any mode.
    let vm = "\
error: normal_idevice_new: cant connect to lockdownd on device with udid......
error: restore_idevice_new: cant connect to restored on device wit udid......
cant init, no device found
Failed with errorcode=-3
";
    assert_eq!(answer(vm).family, Family::Usb);
    // corpus/real/tuned/305.log (palera1n/palera1n#28): a normal-mode-only lookup while the
    // phone sat in DFU: the device was there, in a mode the script did not expect.
    let dfu = "ERROR: No device found!\nERROR: No device found!\n[*] Switching device into recovery mode...\nERROR: No device found!\n";
    assert_eq!(answer(dfu).family, Family::DeviceState);
}

#[test]
fn a_background_threads_traceback_is_not_the_tool_crashing() {
    // corpus/real/tuned/121.log (doronz88/pymobiledevice3#156): the restore went through; only
    // the FDR listener thread raised.
    let background = "\
2021-10-07 22:58:24 HOSTNAME root[12156] INFO validating the filesystem
Exception in thread Thread-4:
Traceback (most recent call last):
  File \"/usr/lib64/python3.9/threading.py\", line 973, in _bootstrap_inner
    self.run()
";
    assert_not_decided_by(background, "tool.crash");
    // corpus/real/tuned/323.log (axi0mX/ipwndfu#23): the main program's traceback ends the run.
    let main = "\
Found: CPID:8920 CPRV:15 CPFM:03 SCEP:03 BDID:00 ECID:**** SRTG:[iBoot-359.3.2]
Traceback (most recent call last):
  File \"./ipwndfu\", line 569, in <module>
    limera1n.exploit()
usb.core.USBError: [Errno 60] Operation timed out
";
    assert_eq!(answer(main).rule.as_deref(), Some("tool.crash"));
}

#[test]
fn the_devices_final_status_zero_is_success_unless_a_failure_follows() {
    // The shape pymobiledevice3 logs (restore/restore.py, handle_status_msg: `status message:
    // {message}`, status 0 = finished), around lines of corpus/real/tuned/116.log.
    let ok = "\
2022-02-08 20:30:02 host pymobiledevice3.restore.recovery[13244] INFO ramdisk-delay: None
2022-02-08 20:41:12 host pymobiledevice3.restore.restore[13244] INFO status message: {'MsgType': 'StatusMsg', 'Status': 0}
";
    let a = answer(ok);
    assert_eq!(a.outcome, Outcome::Success);
    assert_eq!(a.family, Family::Success);
    let failed = "\
2022-02-08 20:41:12 host pymobiledevice3.restore.restore[13244] INFO status message: {'MsgType': 'StatusMsg', 'Status': 14}
";
    assert_ne!(answer(failed).outcome, Outcome::Success);
    // A tool's own failure after the success line: not a finished restore.
    let then_failed = format!("{ok}ERROR: Unable to restore device\n");
    assert_ne!(answer(&then_failed).outcome, Outcome::Success);
}

#[test]
fn a_wrappers_advice_after_success_is_not_a_failure() {
    // Legacy-iOS-Kit prints its trailer after successes and failures alike (restore.sh: "Restoring
    // done! Read the message below…" and, on Windows, advice naming errors users may see). The
    // restore lines are from corpus/real/tuned/307.log (a finished Legacy-iOS-Kit restore).
    let log = "\
Status: Restore Finished
Cleaning up...
DONE

[Log] Restoring done! Read the message below if any error has occurred:
* Windows users may encounter errors like \"Unable to send APTicket\" or \"Unable to send iBEC\" in the restore process.
* Follow the troubleshoting link for steps to attempt fixing this issue.
";
    assert_eq!(answer(log).outcome, Outcome::Success);
}

#[test]
fn asr_losing_its_stream_is_the_transfer_not_the_storage() {
    // corpus/real/tuned/709.log (ChefKissInc/Inferno#4): the restore ended on the emulated USB
    // link timing out; the device's ASR reports its input stream failing.
    let log = "\
ASR: __decompressChunk() error: 1000XSTA
ASR: fail
ASR: Could not restore - Input/output error
ASR STATUS: fail
restore_apfs_image : failed to restore an APFS image, error = 14
";
    assert_decided(log, Family::Usb, "usb.transfer_lost");
}

#[test]
fn a_device_not_in_pwned_dfu_is_device_state_but_the_advice_is_not() {
    // ipwndfu's refusal (axi0mX/ipwndfu, the PWND check before its commands).
    let log = "ERROR: Device is not in pwned DFU Mode. Use -p flag to exploit device and then try again.\n";
    assert_decided(log, Family::DeviceState, "dev.not_pwned");
    // corpus/real/tuned/704.log (a Legacy-iOS-Kit run that went on to finish): its advice names
    // the mode without reporting it missing.
    let advice = "* Make sure that your device is in pwnDFU mode using an Arduino+USB Host Shield! \n* This option will NOT work if your device is not in pwnDFU mode. \n";
    assert_not_decided_by(advice, "dev.not_pwned");
}

#[test]
fn a_newer_sep_for_an_older_ios_is_a_candidate_never_the_answer() {
    // corpus/real/tuned/221.log (a futurerestore downgrade to 13.3 with a newer SEP supplied; the
    // poster concluded the SEP did not fit 13.3). The slice stops before the failure.
    let log = "\
Version: 81b98e0425e17250cc83d5badaf9a8cc6399f481 - 245
futurerestore init done
Found device iPhone10,6 d221ap
[TSSR] User specified not to request a baseband ticket.
Request URL set to https://gs.apple.com/TSS/controller?action=2
Sending TSS request attempt 1... response successfully received
Did set SEP+baseband path and firmware
[WARNING] Failed to read BasebandGoldCertID from device! Is it already in recovery?
";
    let d = diagnose_bytes(log.as_bytes()).expect("a readable log");
    assert_ne!(d.category, Family::SoftwareVersion);
    assert!(
        d.candidates
            .iter()
            .any(|c| c.family == Family::SoftwareVersion
                && c.rule.as_deref() == Some("hint.newer_sep")),
        "{:?}",
        d.candidates
    );
}

/// corpus/real/tuned/430.log (libimobiledevice/idevicerestore#20, closed as wontfix): a custom
/// IPSW restored with `-c` on an A5 iPhone 4S.
const CUSTOM_ON_A5: &str = "\
sudo ./idevicerestore -c  iPhone4,1_7.1.2_11D257_Restore.ipsw 
NOTE: using cached version data
Found device in Recovery mode
Identified device as iPhone4,1
Extracting Restore.plist from IPSW
Product Version: 7.1.2
Product Build: 11D257 Major: 11
INFO: device serial number is ****
Device supports Image4: false
Custom firmware requested. Disabled TSS request.
Variant: Customer Upgrade Install (IPSW)
";

#[test]
fn a_custom_firmware_on_a_device_without_a_boot_exploit_is_signing() {
    assert_decided(CUSTOM_ON_A5, Family::Signing, "tss.custom_unsigned");
    // The same restore on an A4 iPhone 4, which idevicerestore's limera1n can boot.
    let a4 = CUSTOM_ON_A5.replace("iPhone4,1", "iPhone3,1");
    assert_not_decided_by(&a4, "tss.custom_unsigned");
}

/// corpus/real/tuned/857.log (libimobiledevice/idevicerestore#249): an intact iPhone OS 2.2.1
/// IPSW, which has no BuildManifest.plist.
const PRE_3_IPSW: &str = "\
Found device in Normal mode
Identified device as n72ap, iPod2,1
Extracting BuildManifest from IPSW
ERROR: Unable to extract BuildManifest from /Users/****/Downloads/iPod2,1_2.2.1_5H11a_Restore.ipsw. Firmware file might be corrupt.
";

#[test]
fn a_firmware_older_than_the_tool_supports_is_the_tools_limit() {
    assert_decided(PRE_3_IPSW, Family::RestoreTool, "tool.firmware_too_old");
    // The same message for a firmware that has a BuildManifest: the file is what failed.
    let newer = PRE_3_IPSW.replace("iPod2,1_2.2.1_5H11a", "iPod7,1_12.5.7_16H81");
    assert_eq!(answer(&newer).family, Family::WrongFirmware);
}
