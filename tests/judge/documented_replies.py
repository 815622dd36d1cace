"""Replies as the mailbox providers and relays print them on their own pages, with what they mean.

Each entry: (provider, the page that prints it, the reply, expected category, expected reason). The text is
the provider's (addresses and IPs as the page shows them or replaced by documentation values); the
expectation follows the page's own explanation. `test_documented_replies.py` measures the classifier on
the whole table, as a held-out set would be measured, and lists every miss with its reason.
"""

G = "https://support.google.com/a/answer/3726730"  # Gmail SMTP errors and codes
G_SENDER = "https://support.google.com/a/answer/81126"  # Email sender guidelines
MS_NDR = "https://learn.microsoft.com/en-us/troubleshoot/exchange/email-delivery/ndr/non-delivery-reports-in-exchange-online"
MS_7XX = ("https://learn.microsoft.com/en-us/troubleshoot/exchange/email-delivery/ndr/"
          "fix-error-code-5-7-700-through-5-7-750")
MS_5110 = ("https://learn.microsoft.com/en-us/troubleshoot/exchange/email-delivery/ndr/"
           "fix-error-code-550-5-1-10-in-exchange-online")
MS_AS = ("https://learn.microsoft.com/en-us/troubleshoot/exchange/email-delivery/ndr/"
         "fix-error-code-451-4-7-500-699-asxxx-in-exchange-online")
MS_SMTPAUTH = ("https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/"
               "authenticated-client-smtp-submission")
MS_OUTLOOK_BULK = ("https://techcommunity.microsoft.com/blog/microsoftdefenderforoffice365blog/"
                   "strengthening-email-ecosystem-outlook%E2%80%99s-new-requirements-for-high%E2%80%90volume-senders/4399730")
MS_POSTMASTER = "https://sendersupport.olc.protection.outlook.com/pm/troubleshooting.aspx"
Y = "https://senders.yahooinc.com/smtp-error-codes"
APPLE = "https://support.apple.com/en-us/102322"
PROTON = "https://proton.me/support/smtp-error-codes"
ZOHO = "https://www.zoho.com/mail/help/smtp-error-codes.html"
GMX = "https://postmaster.gmx.net/en/error-messages"
WEBDE = "https://postmaster.web.de/en/error-messages"
ORANGE = "https://postmaster.orange.fr/"
MAILRU = "https://help.mail.ru/developers/mailing_rules/rejected"
YANDEX = "https://yandex.com/support/mail/web/spam/honest-mailers.html"
COMCAST = "https://postmaster.comcast.net/smtp-error-codes.php"
ATT = "https://www.att.com/support/article/email-support/KM1041718/"
GODADDY = "https://ca.godaddy.com/help/fix-rejected-email-with-a-bounce-error-40685"
SES = "https://docs.aws.amazon.com/ses/latest/dg/troubleshoot-smtp.html"
SENDGRID = "https://www.twilio.com/docs/sendgrid/for-developers/sending-email/smtp-errors-and-troubleshooting"
MAILGUN = "https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/send-smtp"
POSTMARK = "https://postmarkapp.com/developer/user-guide/send-email-with-smtp"
BREVO = "https://help.brevo.com/hc/en-us/articles/209435165"
POSTFIX = "https://www.postfix.org/postconf.5.html#reject_unknown_client_hostname"
SPAMHAUS = "https://www.spamhaus.org/faqs/domain-blocklist/"
RFC3463 = "https://www.rfc-editor.org/rfc/rfc3463"

DOCUMENTED = [
    # ------------------------------------------------------------------------------------------ Gmail
    ("gmail", G, "421 4.7.0 Our system has detected an unusual rate of unsolicited mail originating from your IP "
     "address. To protect our users from spam, mail sent from your IP address has been temporarily blocked. For "
     "more information, visit Prevent mail to Gmail users from being blocked or sent to spam. - gsmtp",
     "blacklist", "badreputation"),
    ("gmail", G, "450 4.2.1 The user you are trying to contact is receiving mail too quickly. Please resend your "
     "message at a later time. If the user is able to receive mail at that time, your message will be delivered. "
     "- gsmtp", "client", "speeding"),
    ("gmail", G, "452 4.2.2 The email account that you tried to reach is over quota. Please direct the recipient "
     "to https://support.google.com/mail/?p=OverQuotaTemp - gsmtp", "client", "mailboxfull"),
    ("gmail", G, "452 4.5.3 Your message has too many recipients. For more information regarding Google's sending "
     "limits, visit https://support.google.com/mail/?p=TooManyRecipientsError - gsmtp", "connection", "toomanyconn"),
    ("gmail", G, "550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking "
     "the recipient's email address for typos or unnecessary spaces. For more information, go to "
     "https://support.google.com/mail/?p=NoSuchUser - gsmtp", "client", "userunknown"),
    ("gmail", G, "550 5.2.1 The email account that you tried to reach is disabled. - gsmtp", "client", "suspend"),
    ("gmail", G, "552 5.2.2 The email account that you tried to reach is over quota and inactive. - gsmtp",
     "client", "mailboxfull"),
    ("gmail", G, "552 5.3.4 Your message exceeded Google's message size limits. For more information, visit "
     "https://support.google.com/mail/?p=MaxSizeError - gsmtp", "client", "mesgtoobig"),
    ("gmail", G, "550-5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail "
     "users, and has been blocked. The sender must authenticate with at least one of SPF or DKIM. For this "
     "message, DKIM checks did not pass and SPF check for [example.com] did not pass with ip: [192.0.2.1]. To best "
     "protect our users from spam, the message has been blocked. Please visit "
     "https://support.google.com/mail/answer/81126#authentication for more information. - gsmtp",
     "dns", "authfailure"),
    ("gmail", G, "550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy. "
     "Please contact the administrator of example.com domain if this was a legitimate mail. To learn about the "
     "DMARC initiative, go to https://support.google.com/mail/?p=DmarcRejection - gsmtp", "dns", "authfailure"),
    ("gmail", G, "421 4.7.27 Your email has been rate limited because SPF authentication didn't pass for this "
     "message. Gmail requires all bulk email senders to authenticate with SPF. - gsmtp", "dns", "authfailure"),
    ("gmail", G, "550 5.7.27 Your email has been blocked because SPF authentication didn't pass for this message. "
     "Gmail requires all bulk email senders to authenticate with SPF. - gsmtp", "dns", "authfailure"),
    ("gmail", G, "421 4.7.30 Your email has been rate limited because DKIM authentication didn't pass for this "
     "message. Gmail requires all bulk email senders to authenticate with DKIM. - gsmtp", "dns", "authfailure"),
    ("gmail", G, "550 5.7.30 Your email has been blocked because DKIM authentication didn't pass for this message. "
     "Gmail requires all bulk email senders to authenticate with DKIM. - gsmtp", "dns", "authfailure"),
    ("gmail", G, "421 4.7.32 Your email has been rate limited because the From: header (RFC5322) in this message "
     "isn't aligned with either the authenticated SPF or DKIM organizational domain. - gsmtp", "dns", "authfailure"),
    ("gmail", G, "550 5.7.32 Your email has been blocked because the From: header (RFC5322) in this message isn't "
     "aligned with either the authenticated SPF or DKIM organizational domain. - gsmtp", "dns", "authfailure"),
    ("gmail", G, "421 4.7.40 Your email has been rate limited because DMARC policy is missing for the sending "
     "domain. Gmail requires all bulk email senders to have a DMARC policy. - gsmtp", "dns", "authfailure"),
    ("gmail", G, "421 4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your IP "
     "address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. "
     "For more information, go to https://support.google.com/mail/?p=UnsolicitedRateLimitError - gsmtp",
     "blacklist", "badreputation"),
    ("gmail", G, "421 4.7.28 Gmail has detected an unusual rate of unsolicited mail containing one of your URL "
     "domains. To protect our users from spam, mail sent from your domain has been temporarily rate limited. "
     "- gsmtp", "blacklist", "badreputation"),
    ("gmail", G, "421 4.7.28 Gmail has detected an unusual rate of mail originating from your SPF domain "
     "[example.com 5]. To protect our users from spam, mail sent from your domain has been temporarily rate "
     "limited. - gsmtp", "blacklist", "badreputation"),
    ("gmail", G, "550 5.7.1 Our system has detected that this message is likely unsolicited mail. To reduce the "
     "amount of spam sent to Gmail, this message has been blocked. For more information, visit "
     "https://support.google.com/mail/?p=UnsolicitedMessageError - gsmtp", "blacklist", "spamdetected"),
    ("gmail", G, "421 4.7.23 The sending IP does not match the IP address of the hostname specified in the pointer "
     "(PTR) record. - gsmtp", "dns", "requireptr"),
    ("gmail", G, "550 5.7.25 The IP address sending this message does not have a PTR record setup, or the "
     "corresponding forward DNS entry does not point to the sending IP. As a policy, Gmail does not accept "
     "messages from IPs with missing PTR records. - gsmtp", "dns", "requireptr"),
    ("gmail", G, "535 5.7.8 Username and Password not accepted. For more information, go to "
     "https://support.google.com/mail/?p=BadCredentials - gsmtp", "authentication", "securityerror"),
    ("gmail", G, "534 5.7.9 Application-specific password required. For more information, go to "
     "https://support.google.com/mail/?p=InvalidSecondFactor - gsmtp", "authentication", "securityerror"),
    ("gmail", G, "530 5.7.0 Must issue a STARTTLS command first. - gsmtp", "client", "securityerror"),
    ("gmail", G, "552 5.7.0 This message was blocked because its content presents a potential security issue. "
     "Please visit https://support.google.com/mail/?p=BlockedMessage to review our message content and "
     "attachment content guidelines. - gsmtp", "client", "policyviolation"),
    ("gmail", G, "550 5.7.1 Messages missing a valid Message-ID header are not accepted. For more information, go "
     "to https://support.google.com/mail/?p=RfcMessageNonCompliant - gsmtp", "client", "notcompliantrfc"),
    ("gmail", G, "550 5.7.1 This message does not meet IPv6 sending guidelines regarding PTR records and "
     "authentication. For more information, go to https://support.google.com/mail/?p=IPv6AuthError - gsmtp",
     "dns", "requireptr"),
    ("gmail", G, "550 5.7.1 The user or domain that you are sending to (or from) has a policy that prohibits the "
     "mail that you sent. Please contact your domain administrator for further details. - gsmtp",
     "client", "policyviolation"),
    # -------------------------------------------------------------------- Microsoft (Exchange Online, Outlook.com)
    ("microsoft", MS_7XX, "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP. For "
     "more information please go to http://go.microsoft.com/fwlink/?LinkId=526653", "blacklist", "blocked"),
    ("microsoft", MS_7XX, "550 5.7.705 Access denied, tenant has exceeded threshold.", "blacklist", "blocked"),
    ("microsoft", MS_NDR, "550 5.7.511 Access denied, banned sender [192.0.2.1]. To request removal from this "
     "list, forward this message to delist@microsoft.com. For more information please go to "
     "http://go.microsoft.com/fwlink/?LinkId=526653", "blacklist", "blocked"),
    ("microsoft", MS_NDR, "550 5.7.513 Service unavailable, Client host [192.0.2.1] blocked by contoso.com "
     "using Customer Block list (AS16012607)", "blacklist", "blocked"),
    ("microsoft", MS_NDR, "550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this "
     "list please visit https://sender.office.com/ and follow the directions.", "blacklist", "blocked"),
    ("microsoft", MS_POSTMASTER, "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact "
     "your Internet service provider since part of their network is on our block list (S3150). You can also "
     "refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.", "blacklist", "blocked"),
    ("microsoft", MS_POSTMASTER, "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact "
     "your Internet service provider since part of their network is on our block list (S3140).",
     "blacklist", "blocked"),
    ("microsoft", MS_AS, "451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP "
     "reputation. For e-mail delivery information, see https://postmaster.live.com (S775)",
     "blacklist", "badreputation"),
    ("microsoft", MS_AS, "451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (AS77712344)",
     "blacklist", "badreputation"),
    ("microsoft", MS_OUTLOOK_BULK, "550 5.7.515 Access denied, sending domain example.com does not meet the "
     "required authentication level.", "dns", "authfailure"),
    ("microsoft", MS_NDR, "550 5.7.509 Access denied, sending domain example.com does not pass DMARC verification "
     "and has a DMARC policy of reject.", "dns", "authfailure"),
    ("microsoft", MS_5110, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
     "client", "userunknown"),
    ("microsoft", MS_NDR, "550 5.1.1 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
     "client", "userunknown"),
    ("microsoft", MS_NDR, "550 5.2.2 STOREDRV.Deliver; mailbox full", "client", "mailboxfull"),
    ("microsoft", MS_SMTPAUTH, "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for "
     "the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.", "authentication", "securityerror"),
    ("microsoft", MS_SMTPAUTH, "535 5.7.139 Authentication unsuccessful, the user credentials were incorrect.",
     "authentication", "securityerror"),
    ("microsoft", MS_SMTPAUTH, "535 5.7.139 Authentication unsuccessful, basic authentication is disabled.",
     "authentication", "securityerror"),
    ("microsoft", MS_SMTPAUTH, "535 5.7.3 Authentication unsuccessful", "authentication", "securityerror"),
    ("microsoft", MS_SMTPAUTH, "535 5.7.30 Basic authentication is not supported for Client Submission.",
     "authentication", "securityerror"),
    ("microsoft", MS_NDR, "530 5.7.57 Client not authenticated to send mail. Error: 535 5.7.3 Authentication "
     "unsuccessful", "client", "securityerror"),
    ("microsoft", MS_NDR, "550 5.7.57 SMTP; Client was not authenticated to send anonymous mail during MAIL FROM",
     "client", "securityerror"),
    ("microsoft", MS_NDR, "554 5.2.252 SendAsDenied; sender@contoso.com not allowed to send as other@contoso.com",
     "client", "rejected"),
    ("microsoft", MS_NDR, "421 4.3.2 Service not available, closing transmission channel", "connection",
     "systemerror"),
    ("microsoft", MS_NDR, "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)", "client",
     "userunknown"),
    # --------------------------------------------------------------------------------------- Yahoo / AOL
    ("yahoo", Y, "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user "
     "complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes", "blacklist", "badreputation"),
    # "permanently deferred; Retrying will NOT succeed": Yahoo refuses the IP (a block), not a slow-down
    ("yahoo", Y, "421 4.7.0 [TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT "
     "succeed. See https://postmaster.yahooinc.com/error-codes", "blacklist", "blocked"),
    ("yahoo", Y, "421 4.7.1 [TS03] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT "
     "succeed. See https://postmaster.yahooinc.com/error-codes", "blacklist", "blocked"),
    # Yahoo's 5.7.9 is a policy refusal for failed authentication (SPF, DKIM, DMARC): the cause is in DNS
    ("yahoo", Y, "554 5.7.9 Message not accepted for policy reasons. See https://postmaster.yahooinc.com/error-codes",
     "dns", "policyviolation"),
    ("yahoo", Y, "550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all "
     "senders to authenticate with either SPF or DKIM.", "dns", "authfailure"),
    ("yahoo", Y, "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in "
     "Spamhaus's list; see https://postmaster.yahooinc.com/error-codes", "blacklist", "blocked"),
    ("yahoo", Y, "421 Max message per connection reached, closing transmission channel", "connection",
     "toomanyconn"),
    ("yahoo", Y, "554 delivery error: dd This user doesn't have a yahoo.com account (user@yahoo.com) [0] - "
     "mta1000.mail.ne1.yahoo.com", "client", "userunknown"),
    ("yahoo", Y, "452 4.2.2 [BOX-FULL] The mailbox is full and cannot receive messages.", "client",
     "mailboxfull"),
    # ------------------------------------------------------------------------------------------- others
    ("icloud", APPLE, "554 5.7.1 [CS01] Message rejected due to local policy. Please visit "
     "https://support.apple.com/en-us/HT204137", "client", "policyviolation"),
    ("icloud", APPLE, "550 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=192.0.2.1",
     "blacklist", "blocked"),
    ("icloud", APPLE, "550 5.1.1 <user@icloud.com>: user does not exist", "client", "userunknown"),
    ("proton", PROTON, "550 5.7.1 Email rejected per DMARC policy for example.com", "dns", "authfailure"),
    ("proton", PROTON, "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
     "blacklist", "blocked"),
    ("zoho", ZOHO, "554 5.7.7 Email policy violation detected", "client", "policyviolation"),
    ("zoho", ZOHO, "550 5.4.6 Unusual sending activity detected. Please try after sometime.", "blacklist",
     "badreputation"),
    ("zoho", ZOHO, "553 Relaying disallowed. Invalid Domain - example.com", "client", "norelaying"),
    ("zoho", ZOHO, "535 Authentication Failed", "authentication", "securityerror"),
    ("zoho", ZOHO, "550 5.1.1 User does not exist - user@zoho.com", "client", "userunknown"),
    ("gmx", GMX, "554-gmx.net (mxgmx115) Nemesis ESMTP Service not available 554-No SMTP service 554-IP address "
     "is block listed. 554 For explanation visit https://postmaster.gmx.net/en/case?c=r0601&i=ip&v=192.0.2.1",
     "blacklist", "blocked"),
    ("web.de", WEBDE, "550 Requested action not taken: mailbox unavailable", "client", "userunknown"),
    ("gmx", GMX, "550 5.7.1 Sender address rejected: not owned by user", "client", "rejected"),
    ("orange", ORANGE, "550 5.7.1 Service refused, please try later. LPN007_510", "blacklist", "blocked"),
    ("orange", ORANGE, "421 mwinf5c10 ME Trop de connexions, veuillez verifier votre configuration. Too many "
     "connections, slow down. OFR005_104", "connection", "toomanyconn"),
    ("orange", ORANGE, "550 5.2.0 Votre adresse email n'existe pas. Mail rejete. Recipient address rejected. "
     "OFR_416", "client", "userunknown"),
    ("mail.ru", MAILRU, "550 spam message rejected. Please visit http://help.mail.ru/notspam-support/id?c=X "
     "or report details to abuse@corp.mail.ru. Error code: X. ID: X.", "blacklist", "spamdetected"),
    ("mail.ru", MAILRU, "550 Message was not accepted -- invalid mailbox. Local mailbox user@mail.ru is "
     "unavailable: user not found", "client", "userunknown"),
    ("yandex", YANDEX, "554 5.7.1 Message rejected under suspicion of SPAM; https://ya.cc/1IrBc", "blacklist",
     "spamdetected"),
    ("yandex", YANDEX, "550 5.7.1 Policy rejection on Target address", "client", "policyviolation"),
    ("comcast", COMCAST, "554 resimta-ch2-18v.sys.comcast.net resimta-ch2-18v.sys.comcast.net 192.0.2.1 "
     "found on one or more DNSBLs, see http://postmaster.comcast.net/smtp-error-codes.php#BL000001",
     "blacklist", "blocked"),
    ("comcast", COMCAST, "550 5.1.1 Not our Customer", "client", "userunknown"),
    ("comcast", COMCAST, "421 4.1.8 192.0.2.1 bad sender domain, does not resolve", "dns", "rejected"),
    ("att", ATT, "553 5.3.0 flpd575 DNSBL:RBL 521< 192.0.2.1 >_is_blocked.For assistance forward this error to "
     "abuse_rbl@abuse-att.net", "blacklist", "blocked"),
    ("att", ATT, "521 5.3.0 Host is blocked", "blacklist", "blocked"),
    ("godaddy", GODADDY, "554 192.0.2.1 rejected. IB401 Authentication not allowed on IBSMTP Servers",
     "authentication", "securityerror"),
    ("godaddy", GODADDY, "554 RBL Reject. IB111", "blacklist", "blocked"),
    ("godaddy", GODADDY, "550 192.0.2.1 rejected. IB108 Reverse DNS lookup failed.", "dns", "requireptr"),
    # ---------------------------------------------------------------------------------------- ESP relays
    ("amazon-ses", SES, "554 Message rejected: Email address is not verified. The following identities failed "
     "the check in region US-EAST-1: sender@example.com", "client", "rejected"),
    ("amazon-ses", SES, "535 Authentication Credentials Invalid", "authentication", "securityerror"),
    ("amazon-ses", SES, "454 Throttling failure: Maximum sending rate exceeded.", "connection", "toomanyconn"),
    ("amazon-ses", SES, "454 Throttling failure: Daily message quota exceeded.", "connection", "toomanyconn"),
    ("amazon-ses", SES, "530 Must issue a STARTTLS command first", "client", "securityerror"),
    ("sendgrid", SENDGRID, "550 Unauthenticated senders not allowed", "authentication", "securityerror"),
    ("sendgrid", SENDGRID, "535 Authentication failed: Bad username / password", "authentication",
     "securityerror"),
    ("sendgrid", SENDGRID, "550 The from address does not match a verified Sender Identity. Mail cannot be sent "
     "until this error is resolved.", "client", "rejected"),
    ("mailgun", MAILGUN, "535 5.7.0 Authentication failed", "authentication", "securityerror"),
    ("postmark", POSTMARK, "535 5.7.8 Authentication credentials invalid", "authentication", "securityerror"),
    ("brevo", BREVO, "535 5.7.8 Authentication failed", "authentication", "securityerror"),
    # ------------------------------------------------------------------- generic MTAs, replies without codes
    ("postfix", POSTFIX, "450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]",
     "dns", "requireptr"),
    ("postfix", POSTFIX, "554 5.7.1 <bob@example.org>: Relay access denied", "client", "norelaying"),
    ("postfix", POSTFIX, "501 5.5.4 HELO/EHLO argument is invalid", "client", "syntaxerror"),
    ("postfix", POSTFIX, "535 Authentication Failed.", "authentication", "securityerror"),
    ("postfix", POSTFIX, "550 Your IP address is block listed", "blacklist", "blocked"),
    ("postfix", POSTFIX, "553 Relaying disallowed", "client", "norelaying"),
    ("postfix", POSTFIX, "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual "
     "mailbox table", "client", "userunknown"),
    ("spamhaus", SPAMHAUS, "554 5.7.1 Service unavailable; Sender address [spammer@example.com] blocked using "
     "dbl.spamhaus.org; https://www.spamhaus.org/query/domain/example.com", "blacklist", "blocked"),
]
